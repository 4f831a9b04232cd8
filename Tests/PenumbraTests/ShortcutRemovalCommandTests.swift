import Foundation
import Testing

@testable import penumbra

/// `selfsup pretext`, `probe` and `lens-report` refuse bad flags with what to change, and a tiny
/// lensed run trains, resumes, probes and reports.
@Suite(.serialized) struct ShortcutRemovalCommandTests {
  @Test(arguments: [
    ("selfsup pretext --lens least-likely --lens-weight -1 --out /tmp/x", false, "--lens-weight must be 0 or more and finite; got -1.0"),
    ("selfsup pretext --lens least-likely --lens-weight inf --out /tmp/x", false, "--lens-weight must be 0 or more and finite; got inf"),
    ("selfsup pretext --epochs 0 --out /tmp/x", false, "--epochs, --batch-size and --train-images must be positive"),
    ("selfsup pretext --learning-rate nan --out /tmp/x", false, "--learning-rate must be positive and finite; got nan"),
    ("selfsup pretext --shortcut logo --out /tmp/x", false, "logo"),
    ("selfsup pretext --lens blur --out /tmp/x", false, "blur"),
    ("selfsup pretext --train-images 70000 --epochs 1 --out OUT/run", true,
     "--train-images 70000 is more than the 60000 training images: ask for fewer"),
    ("selfsup pretext --train-images 10 --epochs 1 --out OUT/run", true, "10 training images make no batch of 64: lower --batch-size"),
    ("selfsup probe --checkpoint OUT/nothing", true, "nothing"),
    ("selfsup probe --checkpoint OUT --epochs 0", false, "--epochs must be positive; got 0"),
    ("selfsup probe --checkpoint OUT --features pixels", false, "pixels"),
    ("selfsup lens-report OUT", true, "no pretext metrics at"),
  ])
  func badFlagsAreRefusedWithWhatToChange(arguments: String, run: Bool, message: String) throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let refusal = CommandLineTests.refusal(arguments.replacingOccurrences(of: "OUT", with: folder.path), run: run)
    #expect(refusal?.contains(message) == true, "\(arguments): \(refusal ?? "accepted")")
  }

  @Test func aSmallLensedRunTrainsResumesProbesAndReports() throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("arrow-lens").path
    let flags = "--shortcut arrow --lens least-likely --train-images 128 --batch-size 32 --test-subset 200"
    var first = try CommandLineTests.parse("selfsup pretext \(flags) --epochs 1 --out \(out)")
    try first.run()
    var second = try CommandLineTests.parse("selfsup pretext \(flags) --epochs 2 --resume --out \(out)")
    try second.run()
    let metrics = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any])
    #expect(metrics["epochs"] as? Int == 2 && metrics["steps"] as? Int == 8)
    let mse = try #require(metrics["reconstructionMSE"] as? Double)
    #expect(mse > 0 && mse < 0.05, "reconstruction MSE \(mse) in [0, 1] pixels")
    for file in ["model.safetensors", "curve.csv", "lens.png"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
    }
    #expect(CommandLineTests.refusal("selfsup probe --checkpoint \(out) --epochs 3 --test-subset 200 --json", run: true) == nil)
    #expect(CommandLineTests.refusal("selfsup probe --checkpoint \(out) --epochs 3 --test-subset 200 --features both", run: true) == nil)
    let both = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/probe-both.json"))) as? [String: Any])
    #expect(both["features"] as? String == "both" && both["testImages"] as? Int == 200)
    #expect(CommandLineTests.refusal("selfsup lens-report \(out) --json \(folder.path)/rows.json", run: true) == nil)
    let rows = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("rows.json"))) as? [[String: Any]])
    #expect(rows.count == 1 && rows[0]["lens"] as? String == "least-likely" && rows[0]["lambda"] as? Double == 100)
    #expect(rows[0]["probe_accuracy"] as? Double ?? 0 > 0.1, "\(rows)")
  }
}
