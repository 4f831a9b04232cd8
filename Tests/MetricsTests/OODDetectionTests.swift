import Foundation
import Testing

@testable import Metrics

@Suite struct OODDetectionTests {
  @Test func matchesScikitLearnReference() throws {
    let reference = try MetricsReference.load()
    #expect(reference.ood.count == 6)
    for c in reference.ood {
      let s = OODScores(inDistributionConfidence: c.in, outOfDistributionConfidence: c.out)
      expectClose(s.auroc, c.auroc, "\(c.name) auroc")
      expectClose(s.auprIn, c.auprIn, "\(c.name) aupr_in")
      expectClose(s.auprOut, c.auprOut, "\(c.name) aupr_out")
      expectClose(s.fpr95, c.fpr95, "\(c.name) fpr95")
      expectClose(s.tnr95, c.tnr95, "\(c.name) tnr95")
      expectClose(s.detectionAccuracy, c.detectionAccuracy, "\(c.name) detection accuracy")
      // The free functions agree with the struct.
      let free: [(String, ([Double], [Double]) -> Double, Double)] = [
        ("auroc()", { auroc(inDistributionConfidence: $0, outOfDistributionConfidence: $1) }, c.auroc),
        ("auprIn()", { auprIn(inDistributionConfidence: $0, outOfDistributionConfidence: $1) }, c.auprIn),
        ("auprOut()", { auprOut(inDistributionConfidence: $0, outOfDistributionConfidence: $1) }, c.auprOut),
        ("fprAt95TPR()", { fprAt95TPR(inDistributionConfidence: $0, outOfDistributionConfidence: $1) }, c.fpr95),
        (
          "detectionAccuracy()", { detectionAccuracy(inDistributionConfidence: $0, outOfDistributionConfidence: $1) },
          c.detectionAccuracy
        ),
      ]
      for (name, metric, expected) in free { expectClose(metric(c.in, c.out), expected, "\(c.name) \(name)") }
    }
  }

  @Test func handComputedRanking() {
    #expect(auroc(inDistributionConfidence: [0.9, 0.8], outOfDistributionConfidence: [0.1]) == 1)
    #expect(auroc(inDistributionConfidence: [0.1], outOfDistributionConfidence: [0.9, 0.8]) == 0)
    #expect(auroc(inDistributionConfidence: [0.5], outOfDistributionConfidence: [0.5]) == 0.5)
    // Pairs: 0.9>0.5, 0.9>0.1, 0.5=0.5 (half), 0.5>0.1.
    #expect(auroc(inDistributionConfidence: [0.9, 0.5], outOfDistributionConfidence: [0.5, 0.1]) == 3.5 / 4)
    // Precision 1 at recall 1/2, then 2/3 at recall 1 (0.5 is accepted for both sets at once).
    let ap = auprIn(inDistributionConfidence: [0.9, 0.5], outOfDistributionConfidence: [0.5, 0.1])
    expectClose(ap, 0.5 + 0.5 * 2 / 3, "AP")
  }

  @Test func handComputedROCCurve() {
    // Thresholds 0.9, 0.5 (one in- and one OoD score tie there), 0.1, from (0, 0) to (1, 1).
    let curve = rocCurve(inDistributionConfidence: [0.9, 0.5], outOfDistributionConfidence: [0.5, 0.1])
    #expect(curve.falsePositiveRates == [0, 0, 0.5, 1])
    #expect(curve.truePositiveRates == [0, 0.5, 1, 1])
    #expect(curve.area == 3.5 / 4)
  }

  @Test func handComputedFPR95AndDetectionAccuracy() {
    let inDist = (1...20).map(Double.init)
    let ood = [0, 1.5, 10.5, 25]
    let s = OODScores(inDistributionConfidence: inDist, outOfDistributionConfidence: ood)
    // Keeping 19 of 20 in-distribution samples needs the threshold 2, which accepts 10.5 and 25.
    #expect(s.fpr95 == 0.5 && s.tnr95 == 0.5)
    // The same threshold is the best balanced one: ½·0.95 + ½·0.5.
    expectClose(s.detectionAccuracy, 0.725, "detection accuracy")
  }

  @Test func uncertaintyIsNegatedConfidence() {
    let inEntropy = [0.1, 0.3, 0.3, 0.2, 0.9]
    let outEntropy = [0.8, 0.3, 1.2, 1.1]
    let fromUncertainty = OODScores(inDistributionUncertainty: inEntropy, outOfDistributionUncertainty: outEntropy)
    let fromConfidence = OODScores(
      inDistributionConfidence: inEntropy.map { -$0 }, outOfDistributionConfidence: outEntropy.map { -$0 })
    #expect(fromUncertainty == fromConfidence)
    #expect(fromUncertainty.auroc > 0.5)
  }

  @Test func encodesSnakeCaseJSON() throws {
    let s = OODScores(inDistributionConfidence: [0.9, 0.8], outOfDistributionConfidence: [0.1])
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as? [String: Double]
    #expect(Set(object?.keys ?? [:].keys) == ["auroc", "aupr_in", "aupr_out", "fpr95", "tnr95", "detection_accuracy"])
    #expect(try JSONDecoder().decode(OODScores.self, from: JSONEncoder().encode(s)) == s)
  }
}
