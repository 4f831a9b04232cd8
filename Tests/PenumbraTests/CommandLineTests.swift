import ArgumentParser
import Experiments
import Foundation
import Testing

@testable import penumbra

/// The command line as a user meets it: bad flags and missing or damaged files are refused with
/// what was wrong and how to fix it, and a small run goes through train, resume, report and
/// predict.
@Suite(.serialized) struct CommandLineTests {
  /// The parsed command for `arguments` (split at spaces), with the negative numbers attached
  /// as `penumbra` does.
  static func parse(_ arguments: String) throws -> ParsableCommand {
    try Penumbra.parseAsRoot(Penumbra.attachingNegativeNumbers(arguments.split(separator: " ").map(String.init)))
  }

  /// The message `penumbra` prints when it refuses `arguments`, or nil when the command runs.
  static func refusal(_ arguments: String, run: Bool) -> String? {
    do {
      var command = try parse(arguments)
      if run { try command.run() }
      return nil
    } catch {
      return Penumbra.message(for: error)
    }
  }

  static func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
  }

  /// Refused while parsing, before anything runs, with the rule that was broken.
  @Test(arguments: [
    ("np train --model cnp --out /tmp/x --steps -3", "--steps, --batch-size, --learning-rate, --hidden, --checkpoint-every and --evaluation-tasks must be positive"),
    ("np train --model cpn --out /tmp/x", "'cpn' is invalid for '--model <model>'. Please provide one of 'cnp', 'np', 'attncnp' or 'anp'"),
    ("np train --model cnp --out /tmp/x --minimum-std 2", "--minimum-std must lie in (0, 1); got 2.0"),
    ("np train --model cnp --out /tmp/x --curve-tasks -1", "--curve-tasks must be 0 (off) or positive"),
    ("np train --model cnp --out /tmp/x --data mnist --z-from importance", "score an image run with `penumbra np eval --checkpoint DIR --z-from importance`"),
    ("np train --model cnp", "Missing expected argument '--out <out>'"),
    ("bo run --surrogate anp", "--surrogate anp needs --checkpoint (a run of `penumbra np train --model anp`)"),
    ("bo run --surrogate gp --functions 0", "--functions and --evaluations must be positive"),
    ("ood train --method duq --epochs 0 --out /tmp/x", "--epochs, --batch-size, --members and --length-scale must be positive"),
  ])
  func badFlagsAreRefusedWithTheRule(arguments: String, message: String) {
    let refusal = Self.refusal(arguments, run: false)
    #expect(refusal?.contains(message) == true, "\(arguments): \(refusal ?? "accepted")")
  }

  /// Refused when the command runs: a file that is missing, damaged or of the wrong kind is
  /// named, with what to pass instead.
  @Test func missingAndDamagedFilesAreNamed() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.path
    #expect(
      Self.refusal("np eval --checkpoint \(path)/none --json", run: true)
        == "no checkpoint at \(path)/none/model.safetensors: pass the --out folder of `penumbra np train` or its model.safetensors")

    try FileManager.default.createDirectory(at: folder.appendingPathComponent("damaged"), withIntermediateDirectories: true)
    try Data("not a checkpoint".utf8).write(to: folder.appendingPathComponent("damaged/model.safetensors"))
    let damaged = Self.refusal("np eval --checkpoint \(path)/damaged --json", run: true)
    #expect(damaged?.hasPrefix("\(path)/damaged/model.safetensors is damaged or not a checkpoint (") == true, "\(damaged ?? "accepted")")

    let gp = Self.refusal("gp fit --data \(path)/none.csv --kernel eq --out \(path)/gp", run: true)
    #expect(gp?.hasPrefix("\(path)/none.csv: cannot read the file") == true, "\(gp ?? "accepted")")

    try "x,y\n0.5,1\n0.7,oops\n".write(to: folder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
    let badLine = Self.refusal("gp fit --data \(path)/points.csv --kernel eq --out \(path)/gp", run: true)
    #expect(badLine == "\(path)/points.csv:3: '0.7,oops' is not two finite numbers", "\(badLine ?? "accepted")")

    #expect(
      Self.refusal("np predict --checkpoint \(path)/none --context \(path)/points.csv --query 2:-2:10 --out \(path)/p.csv", run: true)
        == "--query must be start:end:count with start < end and count ≥ 2, e.g. -2:2:400 (got '2:-2:10')")
  }

  /// `np report` lists a run that is still training (a curve but no metrics yet) and refuses a
  /// folder that holds no run, or metrics that are not an `np train` run's.
  @Test func reportTellsRunsInTrainingFromFoldersWithoutRuns() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.path
    for name in ["training", "empty", "foreign"] {
      try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
    }
    try "step,target_ll,context_ll,train_seconds\n2000,-1.25,-0.5,100\n4000,-0.875,-0.25,200\n"
      .write(to: folder.appendingPathComponent("training/curve.csv"), atomically: true, encoding: .utf8)
    try Data(#"{"accuracy": 0.9}"#.utf8).write(to: folder.appendingPathComponent("foreign/metrics.json"))

    let report = try #require(Self.parse("np report \(path)/training") as? NeuralProcessCommand.Report).report()
    #expect(report == "Still training (no metrics.json yet):\n- \(path)/training: step 4000, target LL -0.88 on its curve tasks")
    #expect(
      Self.refusal("np report \(path)/training \(path)/empty", run: true)
        == "no metrics.json in \(path)/empty: train it with `penumbra np train --out \(path)/empty`")
    let foreign = Self.refusal("np report \(path)/foreign", run: true)
    #expect(foreign?.hasPrefix("\(path)/foreign/metrics.json is not the metrics of an `np train` run") == true, "\(foreign ?? "accepted")")
  }

  /// A small CNP trained, refused a second fresh start over its checkpoint, resumed from it,
  /// reported beside its learning curve, and asked to predict from a user's CSV.
  @Test func aRunTrainsResumesReportsAndPredicts() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let run = folder.appendingPathComponent("run")
    let train =
      "np train --model cnp --architecture npf --protocol npf --kernel eq --hidden 16 --batch-size 4 --checkpoint-every 10 --evaluation-tasks 10 --curve-tasks 8 --seed 3 --out \(run.path)"
    var command = try Self.parse(train + " --steps 20")
    try command.run()
    #expect(try Self.metrics(run).steps == 20)
    // Forgetting --resume must not overwrite the run.
    let checkpoint = try Data(contentsOf: run.appendingPathComponent("model.safetensors"))
    #expect(
      Self.refusal(train + " --steps 30", run: true)
        == "\(run.path) already holds a run (model.safetensors at step 20): pass --resume to continue it, "
        + "or another --out to start afresh (or delete the folder to replace it)")
    #expect(try Data(contentsOf: run.appendingPathComponent("model.safetensors")) == checkpoint)

    command = try Self.parse(train + " --steps 30 --resume")
    try command.run()
    let metrics = try Self.metrics(run)
    #expect(metrics.steps == 30 && metrics.scores.targetLL.isFinite && metrics.scores.gpTargetLL != nil)
    let curve = try String(contentsOf: run.appendingPathComponent("curve.csv"), encoding: .utf8)
    #expect(curve.split(separator: "\n").dropFirst().map { $0.prefix { $0 != "," } } == ["10", "20", "30"])
    #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("predictions.png").path))

    let figure = folder.appendingPathComponent("curves.png")
    let report = try #require(Self.parse("np report \(run.path) --curves \(figure.path)") as? NeuralProcessCommand.Report).report()
    let row = report.split(separator: "\n").first { $0.hasPrefix("| cnp (npf) | npf | eq | 30 |") }
    #expect(row?.contains(String(format: "| %.2f |", metrics.scores.targetLL)) == true, "\(report)")
    #expect(row?.contains("| -0.13 |") == true, "NPF's published RBF CNP score: \(report)")
    #expect(report.hasSuffix("wrote \(figure.path)") && FileManager.default.fileExists(atPath: figure.path))
    // The same run before its metrics existed: listed with the score it chases.
    try FileManager.default.removeItem(at: run.appendingPathComponent("metrics.json"))
    let inTraining = try #require(Self.parse("np report \(run.path)") as? NeuralProcessCommand.Report).report()
    let lastScore = try Self.lastCurveScore(run)
    #expect(inTraining.hasSuffix(String(format: "- %@: step 30, target LL %.2f on its curve tasks (NPF: -0.13)", run.path, lastScore)), "\(inTraining)")

    let points = folder.appendingPathComponent("points.csv")
    try "x,y\n-1,0.5\n0,-0.25\n1.5,1\n".write(to: points, atomically: true, encoding: .utf8)
    let predictions = folder.appendingPathComponent("predictions.csv")
    command = try Self.parse("np predict --checkpoint \(run.path) --context \(points.path) --query -2:2:41 --out \(predictions.path)")
    try command.run()
    let lines = try String(contentsOf: predictions, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "x,mean,std" && lines.count == 42)
    let stds = lines.dropFirst().compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
    #expect(stds.count == 41 && stds.allSatisfy { $0 > 0 && $0.isFinite })
    #expect(FileManager.default.fileExists(atPath: predictions.deletingPathExtension().appendingPathExtension("png").path))
  }

  /// `gp fit` on a user's CSV: its posterior mean follows the smooth function the points came
  /// from, and it writes the fit, the predictions and the figure.
  @Test func gpFitFollowsTheUsersPoints() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let xs = (0..<25).map { -2 + 4 * Double($0) / 24 }
    let data = folder.appendingPathComponent("points.csv")
    try ("x,y\n" + xs.map { "\($0),\(sin(2 * $0))" }.joined(separator: "\n")).write(to: data, atomically: true, encoding: .utf8)
    var command = try Self.parse("gp fit --data \(data.path) --kernel eq --points 101 --out \(folder.path)/gp")
    try command.run()
    let fit = try JSONDecoder().decode(
      GaussianProcessFitResult.self, from: Data(contentsOf: folder.appendingPathComponent("gp/fit.json")))
    #expect(fit.points == 25 && fit.logMarginalLikelihood.isFinite && fit.lengthscale > 0.2 && fit.lengthscale < 2)
    let rows = try String(contentsOf: folder.appendingPathComponent("gp/predictions.csv"), encoding: .utf8)
      .split(separator: "\n").dropFirst().map { $0.split(separator: ",").compactMap { Double($0) } }
    let inside = rows.filter { abs($0[0]) <= 2 }
    #expect(inside.count > 80 && inside.allSatisfy { abs($0[1] - sin(2 * $0[0])) < 0.02 }, "\(inside.map { $0[1] - sin(2 * $0[0]) })")
    #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("gp/fit.png").path))
  }

  /// `bo run` on GP-prior draws, the NP paper's experiment: Thompson sampling with the exact GP
  /// ends with far less regret than random search, and `--out` keeps the result.
  @Test func bayesianOptimisationBeatsRandomSearch() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var regret: [String: Double] = [:]
    for surrogate in ["gp", "random"] {
      let out = folder.appendingPathComponent("\(surrogate).json")
      var command = try Self.parse("bo run --surrogate \(surrogate) --functions 8 --evaluations 15 --grid-size 200 --json --out \(out.path)")
      try command.run()
      let result = try JSONDecoder().decode(BayesOptRunResult.self, from: Data(contentsOf: out))
      #expect(result.settings.functions == 8 && result.regret.simpleRegretMean.count == 15)
      regret[surrogate] = result.regret.cumulativeRegret.mean
    }
    #expect(try #require(regret["gp"]) < 0.5 * #require(regret["random"]), "\(regret)")
  }

  /// `--z-from` reaches the latent model's final scores, and the report names the estimator.
  @Test func latentRunsAreScoredWithTheChosenEstimator() throws {
    let folder = try Self.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    var command = try Self.parse(
      "np train --model np --architecture npf --protocol npf --kernel periodic --hidden 16 --batch-size 4 --steps 10 --evaluation-tasks 10 --samples 4 --z-from importance --out \(folder.path)"
    )
    try command.run()
    let metrics = try Self.metrics(folder)
    #expect(metrics.scores.zFrom == .importance && metrics.scores.targetLL.isFinite)
    let report = try #require(Self.parse("np report \(folder.path)") as? NeuralProcessCommand.Report).report()
    #expect(report.contains("| np (npf) | npf | periodic | 10 |") && report.contains(" | importance | -0.96 | "), "\(report)")
  }

  /// `np predict` and `np eval --tasks-file` warn when the user's points leave the x range
  /// every curve model trained on, or their y the functions' scale.
  @Test func inputsUnlikeTheTrainingFunctionsAreFlagged() {
    #expect(trainingRangeWarnings(x: [("context points", [-2, 0, 2]), ("query points", [-2, 2])], y: [-3, 9.5]).isEmpty)
    #expect(
      trainingRangeWarnings(x: [("context points", [-1, 5, 6]), ("query points", [0, 3])], y: [0.5, -250])
        == [
          "warning: 2 of the 3 context points and 1 of the 2 query points lie outside x ∈ [-2.0, 2.0], where the model was trained; "
            + "its predictions there are extrapolations. Rescale x into that range to stay within it.",
          "warning: |y| reaches 250.0, but the model was trained on functions of unit scale (|y| rarely above 3); "
            + "standardise y (subtract the mean, divide by the standard deviation) and scale the predictions back.",
        ])
  }

  static func lastCurveScore(_ run: URL) throws -> Double {
    let last = try String(contentsOf: run.appendingPathComponent("curve.csv"), encoding: .utf8).split(separator: "\n").last!
    return Double(last.split(separator: ",")[1])!
  }

  static func metrics(_ run: URL) throws -> CurveTrainingMetrics {
    try JSONDecoder().decode(CurveTrainingMetrics.self, from: Data(contentsOf: run.appendingPathComponent("metrics.json")))
  }
}
