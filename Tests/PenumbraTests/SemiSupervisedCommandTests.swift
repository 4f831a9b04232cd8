import Foundation
import Testing

@testable import penumbra

/// `ssl train` refuses bad splits with what to change, and a tiny run trains, resumes, scores
/// and reports.
@Suite(.serialized) struct SemiSupervisedCommandTests {
  @Test(arguments: [
    ("ssl train --method pi --mismatch 1.5 --out /tmp/x", false, "--mismatch must lie in [0, 1]"),
    ("ssl train --method pi --seen-classes 5-2 --out /tmp/x", false, "--seen-classes takes class indices like 0-5"),
    ("ssl train --method pi --negative-sampling 2 --out /tmp/x", false, "--negative-sampling must lie in (0, 1)"),
    ("ssl train --method pi --labels 0 --out /tmp/x", false, "must be positive"),
    ("ssl train --method pi --learning-rate inf --out /tmp/x", false, "--learning-rate must be positive and finite; got inf"),
    ("ssl train --method ds3l --weight-learning-rate nan --out /tmp/x", false, "--weight-learning-rate must be positive and finite"),
    ("ssl train --method pi --ramp-maximum -1 --out /tmp/x", false, "--ramp-maximum must be 0 or more and finite"),
    ("ssl train --method vat --vat-epsilon nan --out /tmp/x", false, "--vat-epsilon must be positive and finite"),
    ("ssl train --method pi --labels 61 --unlabelled 100 --validation 10 --epochs 1 --out OUT", true,
     "61 labels do not divide evenly over 6 seen classes: use a multiple of 6"),
    ("ssl train --method pi --labels 60000 --unlabelled 100 --validation 10 --epochs 1 --out OUT", true,
     "10000 labels a class, but class 0 has only 6000 training images"),
    ("ssl train --method pi --seen-classes 0-9 --mismatch 0.5 --unlabelled 100 --validation 10 --epochs 1 --out OUT", true,
     "every class is seen"),
    ("ssl train --method pi --seen-classes 3,12 --unlabelled 100 --epochs 1 --out OUT", true, "seen class 12 is not in the data"),
  ])
  func badSplitsAreRefusedWithWhatToChange(arguments: String, run: Bool, message: String) throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let refusal = CommandLineTests.refusal(arguments.replacingOccurrences(of: "OUT", with: folder.path), run: run)
    #expect(refusal?.contains(message) == true, "\(arguments): \(refusal ?? "accepted")")
  }

  @Test func aSmallDS3LRunTrainsResumesScoresAndReports() throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("ds3l").path
    let flags = "--method ds3l --unlabelled 500 --mismatch 0.5 --validation 120 --labelled-batch 30 --unlabelled-batch 50"
    var first = try CommandLineTests.parse("ssl train \(flags) --epochs 1 --out \(out)")
    try first.run()
    var second = try CommandLineTests.parse("ssl train \(flags) --epochs 2 --resume --out \(out)")
    try second.run()
    let metrics = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any])
    #expect(metrics["epochs"] as? Int == 2 && metrics["steps"] as? Int == 20)
    let final = try #require(metrics["final"] as? [String: Any])
    #expect((final["meanWeightSeen"] as? Double).map { (0...1).contains($0) } == true)
    // An untrained six-class network scores about 1/6; ten steps on 60 labels already beat it.
    #expect((final["accuracy"] as? Double ?? 0) > 0.3)
    #expect(CommandLineTests.refusal("ssl eval --checkpoint \(out) --json", run: true) == nil)
    #expect(
      CommandLineTests.refusal("ssl eval --checkpoint \(out) --weights-figure \(folder.path)/weights.png --json", run: true) == nil)
    #expect(FileManager.default.fileExists(atPath: folder.path + "/weights.png"))
    #expect(CommandLineTests.refusal("ssl report \(out) --figure \(folder.path)/mismatch.png", run: true) == nil)
    #expect(FileManager.default.fileExists(atPath: folder.path + "/mismatch.png"))
    #expect(
      CommandLineTests.refusal("ssl report \(folder.path)", run: true)
        == "no ssl metrics at \(folder.path)/metrics.json: pass run folders that `penumbra ssl train` finished")
  }
}
