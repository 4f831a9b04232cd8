import Experiments
import Foundation
import Testing

/// `ood report` reads eval.json files of every age: a score missing from an old one leaves its
/// cell empty instead of refusing the file.
@Suite struct ImageOODEvaluationRecordTests {
  @Test func anEvaluationBeforeTNR95ExistedStillReads() throws {
    let json = #"""
      {"accuracy": 0.9, "ece": 0.02, "nll": 0.3, "method": "duq", "epochs": 30,
       "mnist": {"auroc": 0.95, "fpr95": 0.2, "aupr_in": 0.9, "aupr_out": 0.96}}
      """#
    let record = try JSONDecoder().decode(ImageOODEvaluationRecord.self, from: Data(json.utf8))
    #expect(record.accuracy == 0.9 && record.ece == 0.02 && record.nll == 0.3)
    let mnist = try #require(record.outOfDistribution[.mnist])
    #expect(mnist.auroc == 0.95 && mnist.fpr95 == 0.2 && mnist.auprIn == 0.9 && mnist.auprOut == 0.96)
    #expect(mnist.tnr95 == nil && mnist.detectionAccuracy == nil)
    #expect(record.outOfDistribution[.noise] == nil)
  }
}
