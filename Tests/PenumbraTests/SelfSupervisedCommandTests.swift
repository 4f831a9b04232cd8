import Foundation
import Testing

@testable import penumbra

/// `selfsup train` refuses bad flags with what to change, and a tiny run trains, resumes,
/// scores every inference and reports.
@Suite(.serialized) struct SelfSupervisedCommandTests {
  @Test(arguments: [
    ("selfsup train --method sla --per-class 0 --out /tmp/x", false, "--per-class must be positive; got 0"),
    ("selfsup train --method sla --epochs 0 --out /tmp/x", false, "must be positive"),
    ("selfsup train --method sla --learning-rate nan --out /tmp/x", false, "--learning-rate must be positive and finite"),
    ("selfsup train --method rotate --out /tmp/x", false, "rotate"),
    ("selfsup train --method sla --per-class 7000 --epochs 1 --out OUT", true,
     "--per-class 7000 asks for more images than class 0 has (6000): ask for fewer"),
    ("selfsup train --method sla --per-class 5 --epochs 1 --out OUT", true, "50 training images make no batch of 64: lower --batch-size"),
  ])
  func badFlagsAreRefusedWithWhatToChange(arguments: String, run: Bool, message: String) throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let refusal = CommandLineTests.refusal(arguments.replacingOccurrences(of: "OUT", with: folder.path), run: run)
    #expect(refusal?.contains(message) == true, "\(arguments): \(refusal ?? "accepted")")
  }

  @Test func aSmallSLARunTrainsResumesScoresAndReports() throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("sla-sd").path
    let flags = "--method sla-sd --per-class 20 --batch-size 50 --curve-images 200 --test-subset 500"
    var first = try CommandLineTests.parse("selfsup train \(flags) --epochs 2 --out \(out)")
    try first.run()
    var second = try CommandLineTests.parse("selfsup train \(flags) --epochs 4 --resume --out \(out)")
    try second.run()
    let metrics = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any])
    #expect(metrics["epochs"] as? Int == 4 && metrics["steps"] as? Int == 16)
    let scores = try #require(metrics["scores"] as? [[String: Any]])
    #expect(scores.map { $0["inference"] as? String } == ["si", "ag", "sd"])
    // Sixteen steps on 200 images already beat an untrained ten-class network's 1/10.
    #expect(scores.allSatisfy { ($0["accuracy"] as? Double ?? 0) > 0.3 }, "\(scores)")
    #expect(CommandLineTests.refusal("selfsup eval --checkpoint \(out) --inference sd --test-subset 500 --json", run: true) == nil)
    #expect(
      CommandLineTests.refusal("selfsup eval --checkpoint \(out) --inference plain", run: true)
        == "a sla-sd run answers --inference si or ag or sd, not plain (SI and AG need an SLA run, SD an sla-sd one)")
    #expect(CommandLineTests.refusal("selfsup report \(out) --json \(folder.path)/rows.json --figure \(folder.path)/sla.png", run: true) == nil)
    #expect(FileManager.default.fileExists(atPath: folder.path + "/sla.png"))
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("rows.json"))) as? [[String: Any]])
    #expect(rows.count == 3 && rows[0]["per_class"] as? Int == 20 && rows[0]["data"] as? String == "few")
  }
}
