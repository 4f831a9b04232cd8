import ArgumentParser
import Datasets
import Experiments
import Foundation
import GaussianProcesses
import ImageData
import Metrics
import NN
import NeuralProcesses
import Plots
import Torch

struct NeuralProcessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "np", abstract: "Neural Processes on 1-D functions: train, evaluate, predict.",
    subcommands: [Train.self, Evaluate.self, Predict.self, Report.self])
}

/// Everything that defines a Neural Process training run; saved in its checkpoint, so a
/// resumed run and `np eval` rebuild the same model and data.
struct NeuralProcessRun: Codable, Equatable {
  var model: NeuralProcessConfiguration
  var curveProtocol: CurveProtocol
  var kernel: CurveKernel
  var randomHyperparameters: Bool
  var batchSize: Int
  var learningRate: Double
  /// The learning rate falls exponentially by this factor over the run (nil: constant).
  var learningRateDecay: Double?
  /// Image completion on this data set instead of curves (nil: curves).
  var images: ImageSource?
  /// The checkpoint whose weights the run started from (nil: a fresh initialisation).
  var initialisedFrom: String?

  var sampler: GPCurveSampler {
    GPCurveSampler(protocol: curveProtocol, kernel: kernel, randomHyperparameters: randomHyperparameters)
  }

  /// The run as one line of JSON with sorted keys, so equal runs compare equal as text.
  var json: String { jsonLine(self) }

  /// The run saved at `path` (a run folder or its model.safetensors) and its checkpoint file,
  /// read from the checkpoint's metadata alone.
  static func saved(at path: String) throws -> (run: NeuralProcessRun, checkpoint: URL, info: CheckpointInfo) {
    var url = URL(fileURLWithPath: path)
    if url.hasDirectoryPath || !url.pathExtension.hasSuffix("safetensors") { url.appendPathComponent(runCheckpointName) }
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw UsageError("no checkpoint at \(url.path): pass the --out folder of `penumbra np train` or its model.safetensors")
    }
    let info: CheckpointInfo
    do { info = try Checkpoint.info(at: url) } catch {
      throw UsageError("\(url.path) is damaged or not a checkpoint (\(error)); pass a model.safetensors written by `penumbra np train`, or train again")
    }
    guard let config = info.config, let run = try? JSONDecoder().decode(NeuralProcessRun.self, from: Data(config.utf8)) else {
      throw UsageError("\(url.path) is not a Neural Process checkpoint (its metadata has no NP configuration)")
    }
    return (run, url, info)
  }

  /// The run and trained model saved at `path` (a run folder or its model.safetensors).
  static func load(_ path: String) throws -> (NeuralProcessRun, NeuralProcess, CheckpointInfo) {
    let (run, url, info) = try saved(at: path)
    let model = NeuralProcess(run.model)
    _ = try Checkpoint.load(from: url, into: model)
    model.eval()
    return (run, model, info)
  }
}

/// The test batches every evaluation of a protocol uses (fixed seed, so scores compare).
func evaluationBatches(_ sampler: GPCurveSampler, tasks: Int, seed: UInt64) -> [CurveBatch] {
  Torch.manualSeed(seed)
  let batchSize = 50
  return stride(from: 0, to: tasks, by: batchSize).map { start in
    sampler.sample(batchSize: min(batchSize, tasks - start), training: false)
  }
}

func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  try encoder.encode(value).write(to: url, options: .atomic)
}

/// The metrics.json of a training run, whose rate and final loss a run that only re-scores keeps.
protocol TrainingRunMetrics: Codable {
  var stepsPerSecond: Double? { get set }
  var finalLoss: Double? { get set }
}

/// Writes `metrics` to `url`. A run that took no step (a finished run resumed, e.g. to score it
/// with another estimator) keeps the rate and final loss of the metrics it replaces.
func writeRunMetrics<M: TrainingRunMetrics>(_ metrics: M, to url: URL) throws {
  var metrics = metrics
  if metrics.finalLoss == nil, let data = try? Data(contentsOf: url), let previous = try? JSONDecoder().decode(M.self, from: data) {
    (metrics.stepsPerSecond, metrics.finalLoss) = (previous.stepsPerSecond, previous.finalLoss)
  }
  try writeJSON(metrics, to: url)
}

func jsonLine<T: Encodable>(_ value: T) -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  return String(decoding: try! encoder.encode(value), as: UTF8.self)
}

extension NeuralProcessCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train a Neural Process on GP curves; writes model.safetensors, metrics.json and predictions.png.")

    @Option(help: "cnp, np, attncnp or anp.") var model: NeuralProcessKind
    @Option(
      help: """
        Layers of the model: anp-paper (the ANP paper's code) or npf (the Neural Process Family \
        repository's 1-D CNP, LNP, AttnCNP and AttnLNP, the models behind its published scores; \
        use it with --protocol npf to compare with them).
        """)
    var architecture: NeuralProcessArchitecture = .anpPaper
    @Option(help: "Cross-attention of attncnp/anp: uniform, laplace, dot, multihead, transformer (default: multihead for anp-paper, transformer for npf).")
    var attention: AttentionKind?
    @Option(
      name: .customLong("protocol"),
      help: "deepmind (ANP paper) or npf (Neural Process Family benchmark; pair it with --architecture npf for NPF's models).")
    var curveProtocol: CurveProtocol = .deepmind
    @Option(help: "eq, matern52, matern32, periodic or noisy-matern.") var kernel: CurveKernel = .eq
    @Flag(help: "Per-function random hyperparameters (l ~ U[0.1, 0.6], σ_f ~ U[0.1, 1]).") var randomHyperparameters = false
    @Option(help: "Training steps (a resumed run continues up to this count).") var steps = 10_000
    @Option(help: "Seed of the initialisation and of every batch.") var seed: UInt64 = 0
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Continue from out/model.safetensors when it exists.") var resume = false
    @Option(
      help: """
        Start from the weights of another trained run (its folder or model.safetensors) of the same model; \
        its data and schedule may differ. The optimiser starts afresh; resuming such a run takes the same --init-from.
        """) var initFrom: String?
    @Option(help: "Tasks per batch.") var batchSize = 16
    @Option(help: "Adam learning rate.") var learningRate = 1e-4
    @Option(help: "Divide the learning rate by this factor, exponentially, over the run (NPF: 10).") var learningRateDecay = 1.0
    @Option(help: "Hidden and latent size.") var hidden = 128
    @Option(help: "Floor of the predictive σ (default: the architecture's, 0.1 for anp-paper, 0.01 for npf).") var minimumStd: Double?
    @Option(help: "Steps between checkpoints.") var checkpointEvery = 1000
    @Option(help: "Test tasks scored after training.") var evaluationTasks = 1000
    @Option(help: "Curves: score this many test tasks at every checkpoint into curve.csv and curve.png (0: off).")
    var curveTasks = 0
    @Option(help: "z samples for scoring latent models (default: 32 for np, 8 for anp).") var samples: Int?
    @Option(help: LatentDraws.help) var zFrom: LatentDraws = .context
    @Option(help: "Train on image completion instead of curves: mnist or fashion-mnist.") var data: ImageSource?
    @Option(help: "Stacked multihead self-attention layers over the context in both paths (images: 2).") var selfAttentionLayers = 0

    func validate() throws {
      guard steps > 0, batchSize > 0, learningRate > 0, hidden > 0, checkpointEvery > 0, evaluationTasks > 0 else {
        throw ValidationError("--steps, --batch-size, --learning-rate, --hidden, --checkpoint-every and --evaluation-tasks must be positive")
      }
      guard curveTasks >= 0 else { throw ValidationError("--curve-tasks must be 0 (off) or positive") }
      if initFrom != nil, data != nil { throw ValidationError("--init-from starts curve runs; image runs (--data) start afresh") }
      if zFrom != .context, data != nil {
        throw ValidationError("--z-from scores curve runs; score an image run with `penumbra np eval --checkpoint DIR --z-from \(zFrom.rawValue)`")
      }
      if curveTasks > 0, data != nil {
        throw ValidationError("--curve-tasks scores curve tasks; image runs (--data) report after training only")
      }
      if let minimumStd, !(minimumStd > 0 && minimumStd < 1) {
        throw ValidationError("--minimum-std must lie in (0, 1); got \(minimumStd)")
      }
      if architecture == .npf {
        guard selfAttentionLayers == 0, data == nil else {
          throw ValidationError("--architecture npf builds NPF's 1-D curve models: it takes neither --data nor --self-attention-layers")
        }
      }
      guard learningRateDecay >= 1 else {
        throw ValidationError("--learning-rate-decay must be at least 1 (1 keeps the rate constant); got \(learningRateDecay)")
      }
      let crossAttention = attention ?? architecture.defaultAttention
      if hidden % 8 != 0 && model.usesCrossAttention && (crossAttention == .multihead || crossAttention == .transformer) {
        throw ValidationError("--hidden must be a multiple of 8 for \(crossAttention.rawValue) attention (8 heads)")
      }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let folder = try runFolder(out, resume: resume)
      if let data { return try trainOnImages(data, folder: folder) }
      let run = NeuralProcessRun(
        model: NeuralProcessConfiguration(
          kind: model, architecture: architecture, attention: attention, hiddenSize: hidden, latentSize: hidden,
          selfAttentionLayers: selfAttentionLayers, minimumStd: minimumStd),
        curveProtocol: curveProtocol, kernel: kernel, randomHyperparameters: randomHyperparameters,
        batchSize: batchSize, learningRate: learningRate, learningRateDecay: learningRateDecay == 1 ? nil : learningRateDecay,
        initialisedFrom: initFrom.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
      Torch.manualSeed(seed)
      let network = NeuralProcess(run.model)
      if let initFrom {
        let source = try NeuralProcessRun.saved(at: initFrom)
        guard source.run.model == run.model else {
          throw UsageError("--init-from \(initFrom) was trained with other model settings (\(source.run.model.name), \(source.run.model.design.rawValue) architecture) than this run (\(run.model.name)): pass the same --model, --architecture, --attention, --hidden and --minimum-std")
        }
        try Checkpoint.load(from: source.checkpoint, into: network)
      }
      let optimizer = Adam(network.parameters(), learningRate: learningRate)
      let sampler = run.sampler
      let name = run.model.name
      let loop = TrainingLoop(
        steps: steps, seed: seed, checkpoint: folder.appendingPathComponent(runCheckpointName),
        checkpointEvery: checkpointEvery, config: run.json, label: name,
        schedule: learningRateDecay == 1 ? .constant : .exponential(totalSteps: steps, finalFactor: 1 / learningRateDecay))
      let curve = curveTasks > 0 ? try LearningCurveRecorder(
        folder: folder, resume: resume, batches: evaluationBatches(sampler, tasks: curveTasks, seed: 2_024),
        title: "\(name.uppercased()) on \(kernel.rawValue) curves (\(curveProtocol.rawValue)): \(curveTasks) test tasks"
          + (model.hasLatentPath ? ", z from \(zFrom.rawValue)" : ""),
        published: curveProtocol == .npf ? publishedNPF[kernel.rawValue]?[model.rawValue] : nil) : nil
      let summary = try loop.run(
        model: network, optimizer: optimizer, resume: resume,
        afterCheckpoint: { step, seconds in
          try curve?.record(network, step: step, trainSeconds: seconds, samples: samples, zFrom: zFrom)
        }
      ) { _ in
        let batch = sampler.sample(batchSize: batchSize)
        let (context, target) = batch.float32()
        return network.loss(context: context, target: target, contextIndices: batch.contextIndices).loss
      }
      let scores = network.evaluate(
        batches: evaluationBatches(sampler, tasks: evaluationTasks, seed: 2_024), samples: samples, zFrom: zFrom)
      let metrics = TrainingMetrics(
        model: name, architecture: architecture.rawValue, protocol: curveProtocol.rawValue, kernel: kernel.rawValue, randomHyperparameters: randomHyperparameters,
        steps: steps, stepsThisRun: summary.lastStep - summary.firstStep, seconds: summary.totalSeconds,
        stepsPerSecond: summary.stepsPerSecond, finalLoss: summary.finalLoss, threads: Torch.threadCount,
        parameters: network.parameterCount, scores: scores)
      try writeRunMetrics(metrics, to: folder.appendingPathComponent("metrics.json"))
      let figure = network.predictionFigure(sampler: sampler, title: "\(name.uppercased()) on \(kernel.rawValue) curves (\(curveProtocol.rawValue)), \(steps) steps")
      try figure.write(to: folder.appendingPathComponent("predictions.png"))
      print(String(format: "%@  target ll %.3f (GP %.3f)  context ll %.3f (GP %.3f)  %d tasks  %.0f s",
                   name, scores.targetLL, scores.gpTargetLL ?? .nan, scores.contextLL, scores.gpContextLL ?? .nan,
                   scores.tasks, summary.totalSeconds))
      print("wrote \(folder.path)/{\(runCheckpointName), metrics.json, predictions.png\(curve == nil ? "" : ", curve.csv, curve.png")}")
    }
  }

  /// Scores the model on fixed test tasks at each checkpoint into `curve.csv` and `curve.png`,
  /// with the GP oracle's score and NPF's published one (when known) as reference lines.
  final class LearningCurveRecorder {
    var files: LearningCurveFiles
    let batches: [CurveBatch]
    let title: String
    let published: Double?
    /// The GP oracle's target LL on `batches`: fixed tasks, so scored once, at the first point.
    var oracleTargetLL: Double?

    init(folder: URL, resume: Bool, batches: [CurveBatch], title: String, published: Double?) throws {
      files = try LearningCurveFiles(folder: folder, columns: curveColumns, resume: resume)
      self.batches = batches
      self.title = title
      self.published = published
    }

    func record(_ network: NeuralProcess, step: Int, trainSeconds: Double, samples: Int?, zFrom: LatentDraws) throws {
      let scores = network.evaluate(batches: batches, samples: samples, zFrom: zFrom, withOracle: oracleTargetLL == nil)
      oracleTargetLL = oracleTargetLL ?? scores.gpTargetLL
      let references = [("GP oracle (target)", oracleTargetLL), ("NPF published (target)", published)]
        .compactMap { label, value in value.map { (label: label, value: $0) } }
      try files.record(.init(step: step, values: [scores.targetLL, scores.contextLL], trainSeconds: trainSeconds)) {
        $0.figure(
          title: self.title, xLabel: "training steps", yLabel: "log-likelihood per point (held-out tasks)",
          labels: ["target", "context"], references: references)
      }
    }
  }

  struct TrainingMetrics: TrainingRunMetrics {
    var model: String
    /// nil in metrics written before the architecture choice (the ANP paper's).
    var architecture: String?
    var `protocol`: String
    var kernel: String
    var randomHyperparameters: Bool
    var steps: Int
    var stepsThisRun: Int
    /// Training seconds over every run that built the checkpoint.
    var seconds: Double
    /// The rate of the run that took the last steps; a finished run resumed to re-score it keeps
    /// it from the metrics it replaces (nil when there were none).
    var stepsPerSecond: Double?
    /// The last training step's loss (kept like the rate).
    var finalLoss: Double?
    var threads: Int
    var parameters: Int
    var scores: NeuralProcessScores
  }

  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval", abstract: "Score a trained Neural Process (and the GP oracle, on curves) on test tasks.")

    @Option(help: "Run folder (or model.safetensors) written by `np train`.") var checkpoint: String
    @Option(name: .customLong("protocol"), help: "Protocol of the test tasks (default: the training one).") var curveProtocol: CurveProtocol?
    @Option(help: "Kernel of the test tasks (default: the training one).") var kernel: CurveKernel?
    @Option(help: "JSON Lines tasks file to score instead of generated tasks.") var tasksFile: String?
    @Option(help: "Generated test tasks.") var tasks = 1000
    @Option(help: "z samples for latent models (default: 32 for np, 8 for anp).") var samples: Int?
    @Option(help: LatentDraws.help) var zFrom: LatentDraws = .context
    @Option(help: "Seed of the generated test tasks.") var seed: UInt64 = 2_024
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Image models: the test set (default: the training one), mnist or fashion-mnist.") var data: ImageSource?
    @Option(
      help: """
        Context points per task: a count (curves: instead of the protocol's random count; images: pixels), \
        or for images top-half, left-half, all.
        """) var contextPoints: ContextPixels?

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let (run, model, _) = try NeuralProcessRun.load(checkpoint)
      if let source = data ?? run.images {
        guard run.images != nil else { throw UsageError("\(checkpoint) holds a curve model; --data needs a model trained with `np train --data`") }
        return try evaluateImages(model, source: source)
      }
      var sampler = run.sampler
      if let curveProtocol { sampler.curveProtocol = curveProtocol }
      if let kernel { sampler.kernel = kernel }
      if let contextPoints {
        guard case .fixedCount(let count) = contextPoints.selection else {
          throw UsageError("--context-points \(contextPoints) is for images; curve tasks take a count of context points")
        }
        guard tasksFile == nil else { throw UsageError("--context-points does not apply to --tasks-file, whose tasks carry their own contexts") }
        guard count <= sampler.evaluationTargetCount else {
          throw UsageError(
            "--context-points \(count): the \(sampler.curveProtocol.rawValue) protocol's test tasks have \(sampler.evaluationTargetCount) points")
        }
        sampler.contextCount = count
      }
      let batches: [CurveBatch]
      if let tasksFile {
        let tasks = try TaskFile.read(URL(fileURLWithPath: tasksFile))
        guard tasks[0].xTarget[0].count == 1 else {
          throw UsageError("\(tasksFile): the 1-D Neural Processes need 1-D inputs, the file has \(tasks[0].xTarget[0].count)")
        }
        warnOutsideTrainingRange(
          x: [("context points", tasks.flatMap { $0.xContext.map { $0[0] } }), ("target points", tasks.flatMap { $0.xTarget.map { $0[0] } })],
          y: tasks.flatMap { $0.yContext + $0.yTarget })
        batches = [sampler.batch(from: tasks)]
      } else {
        batches = evaluationBatches(sampler, tasks: tasks, seed: seed)
      }
      let scores = model.evaluate(batches: batches, samples: samples, zFrom: zFrom)
      if json {
        print(jsonLine(scores))
      } else {
        let context =
          scores.contextLL.isNaN
          ? "context ll – (no task has context points)"
          : String(format: "context ll %.4f (GP %.4f)", scores.contextLL, scores.gpContextLL ?? .nan)
        print(String(format: "target ll %.4f (GP %.4f)   %@   %d tasks", scores.targetLL, scores.gpTargetLL ?? .nan, context, scores.tasks))
      }
    }
  }

  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Predict mean and std at query points from your own (x, y) context CSV; writes a CSV and a PNG.")

    @Option(help: "Run folder (or model.safetensors) written by `np train`.") var checkpoint: String
    @Option(help: "CSV of context points: x,y per line (a header line is allowed); x in [−2, 2], where the models train.") var context: String
    @Option(help: "Query grid as start:end:count, e.g. -2:2:400.") var query = "-2:2:400"
    @Option(help: "Output CSV (x,mean,std); a PNG is written next to it.") var out: String
    @Option(help: "z samples for the predictive moments of latent models.") var samples = 32

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let grid = try parseGrid(query)
      let (run, model, _) = try NeuralProcessRun.load(checkpoint)
      guard run.images == nil else { throw UsageError("\(checkpoint) holds an image model; `np predict` takes 1-D curve models") }
      let points = try PointsCSV.read(URL(fileURLWithPath: context))
      warnOutsideTrainingRange(x: [("context points", points.x), ("query points", grid)], y: points.y)
      let scale = run.sampler.xScale
      let contextSet = PointSet(
        x: Tensor(points.x.map { $0 * scale }, shape: [1, points.x.count, 1]), y: Tensor(points.y, shape: [1, points.y.count, 1]))
      let queryX = Tensor(grid.map { $0 * scale }, shape: [1, grid.count, 1])
      let (mean, std) = model.predictiveMoments(context: contextSet, targetX: queryX, samples: samples)
      let means = mean.toArray(Double.self)
      let stds = std.toArray(Double.self)
      var csv = "x,mean,std\n"
      for i in grid.indices { csv += "\(grid[i]),\(means[i]),\(stds[i])\n" }
      let url = URL(fileURLWithPath: out)
      try csv.write(to: url, atomically: true, encoding: .utf8)
      let figure = Figure(width: 900, height: 500)
      let axes = figure.axes()
      axes.title = "\(run.model.kind.rawValue.uppercased()) prediction from \(points.x.count) context points"
      axes.band(x: grid, lower: zip(means, stds).map { $0 - 2 * $1 }, upper: zip(means, stds).map { $0 + 2 * $1 }, color: .blue, alpha: 0.25, label: "± 2σ")
      axes.line(x: grid, y: means, color: .blue, label: "mean")
      axes.scatter(x: points.x, y: points.y, color: .black, size: 7, label: "context")
      let png = url.deletingPathExtension().appendingPathExtension("png")
      try figure.write(to: png)
      print("wrote \(url.path) and \(png.path)")
    }
  }
}

extension NeuralProcessConfiguration {
  /// The run's label: the kind, its cross-attention for attncnp/anp.
  var name: String { kind.usesCrossAttention ? "\(kind.rawValue)-\(attention.rawValue)" : kind.rawValue }
}

/// Warnings for inputs unlike any the curve models trained on: x outside [−2, 2] (every
/// protocol's range), where a prediction is an extrapolation, or y far beyond the unit-scale
/// functions they learned. `x`: a name ("query points") and the x values; `y`: the observed y.
func trainingRangeWarnings(x points: [(name: String, x: [Double])], y: [Double]) -> [String] {
  var warnings: [String] = []
  let range = GPCurveSampler.xRange
  let outside = points.compactMap { name, xs in
    let count = xs.filter { !range.contains($0) }.count
    return count == 0 ? nil : "\(count) of the \(xs.count) \(name)"
  }
  if !outside.isEmpty {
    warnings.append(
      "warning: \(outside.joined(separator: " and ")) lie outside x ∈ [\(range.lowerBound), \(range.upperBound)], "
        + "where the model was trained; its predictions there are extrapolations. Rescale x into that range to stay within it.")
  }
  // The training functions have unit variance (noisy Matérn: 1.1), so |y| > 10 is a 9σ event.
  if let largest = y.map(abs).max(), largest > 10 {
    warnings.append(
      "warning: |y| reaches \(largest), but the model was trained on functions of unit scale (|y| rarely above 3); "
        + "standardise y (subtract the mean, divide by the standard deviation) and scale the predictions back.")
  }
  return warnings
}

func warnOutsideTrainingRange(x points: [(name: String, x: [Double])], y: [Double]) {
  for warning in trainingRangeWarnings(x: points, y: y) { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
}

/// "start:end:count" → evenly spaced values.
func parseGrid(_ text: String) throws -> [Double] {
  let parts = text.split(separator: ":").map(String.init)
  guard parts.count == 3, let start = Double(parts[0]), let end = Double(parts[1]), let count = Int(parts[2]), count >= 2, end > start
  else {
    throw UsageError("--query must be start:end:count with start < end and count ≥ 2, e.g. -2:2:400 (got '\(text)')")
  }
  return (0..<count).map { start + (end - start) * Double($0) / Double(count - 1) }
}
