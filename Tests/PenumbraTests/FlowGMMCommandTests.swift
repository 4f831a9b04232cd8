import Foundation
import Testing

@testable import penumbra

/// `ssl train --method flowgmm|flowgmm-cons` refuses flags it cannot honour with one line that
/// says what to change, and tiny runs train, resume, score, draw and report.
@Suite(.serialized) struct FlowGMMCommandTests {
  @Test(arguments: [
    ("ssl train --method flowgmm --dataset two-moons --epochs 3 --out /tmp/x", false, "FlowGMM trains for --steps, not --epochs"),
    ("ssl train --method flowgmm --dataset two-moons --labels 7 --out /tmp/x", false,
     "--labels must be a positive multiple of the 2 classes of two-moons; got 7"),
    ("ssl train --method flowgmm --dataset mnist --labels 0 --out /tmp/x", false,
     "--labels must be a positive multiple of the 10 classes of mnist; got 0"),
    ("ssl train --method flowgmm --dataset two-moons --unlabelled -1 --out /tmp/x", false,
     "--unlabelled must be 0 (the labels-only flow) or more; got -1"),
    ("ssl train --method flowgmm --dataset two-moons --unlabelled 995 --out /tmp/x", false,
     "10 labels and 995 unlabelled points need more than the 1000 two-moons points: ask for at most 990 unlabelled"),
    ("ssl train --method flowgmm-cons --dataset two-moons --out /tmp/x", false, "flowgmm-cons needs images"),
    ("ssl train --method flowgmm --dataset two-moons --steps 0 --out /tmp/x", false, "--steps and --evaluate-every must be positive"),
    ("ssl train --method flowgmm --dataset two-moons --evaluate-every -2 --out /tmp/x", false,
     "--steps and --evaluate-every must be positive"),
    ("ssl train --method flowgmm --dataset two-moons --weight-decay -1 --out /tmp/x", false,
     "--weight-decay must be 0 or more and finite; got -1.0"),
    ("ssl train --method flowgmm --dataset two-moons --learning-rate nan --out /tmp/x", false,
     "--learning-rate must be positive and finite; got nan"),
    ("ssl train --method flowgmm --dataset two-moons --max-grad-norm inf --out /tmp/x", false,
     "--max-grad-norm must be 0 (no clipping) or positive and finite"),
    ("ssl train --method flowgmm --dataset two-moons --hidden 0 --out /tmp/x", false,
     "--hidden must be positive; got 0"),
    ("ssl train --method flowgmm --mismatch 0.5 --out /tmp/x", false, "are not FlowGMM's: it uses every class"),
    ("ssl train --method flowgmm-cons --consistency-weight -1 --out /tmp/x", false, "--consistency-weight must be 0 or more"),
    ("ssl train --method pi --dataset two-moons --out /tmp/x", false,
     "--dataset two-moons is for --method flowgmm: pi trains on images (fashion-mnist or mnist)"),
    ("ssl train --method ds3l --steps 100 --out /tmp/x", false, "--steps, --evaluate-every, --weight-decay and --hidden are FlowGMM's"),
    ("ssl eval --checkpoint /tmp/x --temperature -1", false, "--temperature must be 0 or more and finite; got -1.0"),
    ("ssl train --method flowgmm --dataset mnist --labels 100000 --steps 1 --out OUT", true,
     "10000 labels a class, but class 0 has only"),
    ("ssl eval --checkpoint OUT", true, "no checkpoint at OUT/model.safetensors"),
    ("ssl baselines --dataset mnist", false, "--dataset must be two-moons: the baselines are FlowGMM's two-moons comparison; got mnist"),
    ("ssl baselines --mlp-steps 0", false, "--mlp-steps must be positive; got 0"),
    ("ssl baselines --labels 3", false, "--labels must be a positive multiple of the 2 classes of two-moons; got 3"),
  ])
  func badFlagsAreRefusedInOneLine(arguments: String, run: Bool, message: String) throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let refusal = CommandLineTests.refusal(arguments.replacingOccurrences(of: "OUT", with: folder.path), run: run)
    let expected = message.replacingOccurrences(of: "OUT", with: folder.path)
    #expect(refusal?.contains(expected) == true, "\(arguments): \(refusal ?? "accepted")")
    #expect(refusal?.contains("\n") == false, "\(arguments): not one line: \(refusal ?? "")")
  }

  /// An unknown method is refused by the argument parser with its list of the choices (one a
  /// line, as for every flag with more than a few values), FlowGMM's among them.
  @Test func anUnknownMethodIsRefusedWithTheChoices() {
    let refusal = CommandLineTests.refusal("ssl train --method flowgm --out /tmp/x", run: false) ?? "accepted"
    #expect(refusal.hasPrefix("The value 'flowgm' is invalid for '--method <method>'"), "\(refusal)")
    #expect(refusal.contains("- flowgmm\n") && refusal.contains("- flowgmm-cons"), "\(refusal)")
  }

  static func metrics(_ folder: String) throws -> [String: Any] {
    try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.json"))) as? [String: Any])
  }

  @Test func aTwoMoonsRunTrainsResumesScoresDrawsAndReports() throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("flowgmm").path
    let flags = "--method flowgmm --dataset two-moons --hidden 16 --unlabelled 200 --evaluate-every 10 --learning-rate 1e-3"
    var first = try CommandLineTests.parse("ssl train \(flags) --steps 20 --out \(out)")
    try first.run()
    #expect(try Self.metrics(out)["steps"] as? Int == 20)
    // The folder holds a run: without --resume it is refused rather than overwritten.
    #expect(CommandLineTests.refusal("ssl train \(flags) --steps 40 --out \(out)", run: true)?.contains("pass --resume") == true)
    var second = try CommandLineTests.parse("ssl train \(flags) --steps 40 --resume --out \(out)")
    try second.run()
    let metrics = try Self.metrics(out)
    #expect(metrics["steps"] as? Int == 40 && metrics["stepsThisRun"] as? Int == 20)
    let final = try #require(metrics["final"] as? [String: Any])
    #expect((final["accuracy"] as? Double).map { (0...1).contains($0) } == true)
    #expect(final["bitsPerDim"] == nil)
    for file in ["curve.csv", "curve.png", "regions.png", "model.safetensors"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
    }
    let curve = try String(contentsOfFile: out + "/curve.csv", encoding: .utf8)
    #expect(curve.split(separator: "\n").count == 5, "curve.csv: \(curve)")
    #expect(CommandLineTests.refusal("ssl eval --checkpoint \(out) --json --figure \(folder.path)/moons.png", run: true) == nil)
    #expect(FileManager.default.fileExists(atPath: folder.path + "/moons.png"))
    #expect(
      CommandLineTests.refusal("ssl eval --checkpoint \(out) --weights-figure \(folder.path)/w.png", run: true)
        == "--weights-figure needs a DS3L run; \(out) is flowgmm")
    let rows = folder.path + "/rows.json"
    #expect(CommandLineTests.refusal("ssl report \(out) --json \(rows)", run: true) == nil)
    let table = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: rows))) as? [[String: Any]])
    #expect(table.count == 1 && table[0]["method"] as? String == "flowgmm" && table[0]["steps"] as? Int == 40)
    #expect(table[0]["unlabelled"] as? Int == 200 && table[0]["nll_bits_per_dim"] == nil)
  }

  @Test func aTinyImageRunOfFlowGMMConsScoresBitsPerDimensionAndDrawsSamples() throws {
    let folder = try CommandLineTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("cons").path
    let flags = "--method flowgmm-cons --dataset mnist --labels 10 --unlabelled 20 --hidden 4 --labelled-batch 4 --unlabelled-batch 4"
    var command = try CommandLineTests.parse("ssl train \(flags) --steps 2 --ramp-steps 2 --out \(out)")
    try command.run()
    let final = try #require(try Self.metrics(out)["final"] as? [String: Any])
    let bits = try #require(final["bitsPerDim"] as? Double)
    #expect(bits.isFinite && bits > 0, "bits per dimension \(bits)")
    #expect(FileManager.default.fileExists(atPath: out + "/samples.png"))
    #expect(
      CommandLineTests.refusal("ssl eval --checkpoint \(out) --figure \(folder.path)/s.png --temperature 0.7 --json", run: true) == nil)
    #expect(FileManager.default.fileExists(atPath: folder.path + "/s.png"))
    // The labels-only flow: no unlabelled images at all.
    let labelsOnly = folder.appendingPathComponent("labels-only").path
    var plain = try CommandLineTests.parse(
      "ssl train --method flowgmm --dataset mnist --labels 10 --unlabelled 0 --hidden 4 --labelled-batch 4 --steps 2 --out \(labelsOnly)")
    try plain.run()
    let run = try #require(try Self.metrics(labelsOnly)["run"] as? [String: Any])
    #expect(run["unlabelled"] as? Int == 0)
  }
}
