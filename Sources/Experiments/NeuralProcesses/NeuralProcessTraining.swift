import Datasets
import Foundation
import NN
import NeuralProcesses
import Torch
import Training

/// What `np train` was asked for: a Neural Process trained on GP curves or, with `data`, on
/// image completion. Defaults are the command line's.
public struct NeuralProcessTrainingParameters: Sendable {
  public var model: NeuralProcessKind
  public var architecture: NeuralProcessArchitecture = .anpPaper
  /// nil: the architecture's default cross-attention.
  public var attention: AttentionKind?
  public var curveProtocol: CurveProtocol = .deepmind
  public var kernel: CurveKernel = .eq
  public var randomHyperparameters = false
  /// Training steps in all (a resumed run continues up to this count).
  public var steps = 10_000
  public var seed: UInt64 = 0
  /// The run folder.
  public var out: String
  public var resume = false
  /// A trained run (folder or model.safetensors) of the same model whose weights this run starts from.
  public var initFrom: String?
  public var batchSize = 16
  public var learningRate = 1e-4
  /// The learning rate falls exponentially by this factor over the run (1: constant).
  public var learningRateDecay = 1.0
  public var hidden = 128
  public var minimumStd: Double?
  public var checkpointEvery = 1000
  public var evaluationTasks = 1000
  /// Test tasks scored at every checkpoint into curve.csv and curve.png (0: off).
  public var curveTasks = 0
  public var samples: Int?
  public var zFrom: LatentDraws = .context
  /// Image completion on this data set instead of curves.
  public var data: ImageSource?
  public var selfAttentionLayers = 0

  public init(model: NeuralProcessKind, out: String) {
    self.model = model
    self.out = out
  }
}

/// What `np train` wrote: the metrics of a curve or an image run and the files in its folder.
public enum NeuralProcessTrainingResult {
  case curves(CurveTrainingMetrics, folder: URL, files: [String])
  case images(ImageCompletionTrainingMetrics, folder: URL, files: [String])
}

/// What `np train` on curves writes to metrics.json.
public struct CurveTrainingMetrics: TrainingRunMetrics {
  public var model: String
  /// nil in metrics written before the architecture choice (the ANP paper's).
  public var architecture: String?
  public var `protocol`: String
  public var kernel: String
  public var randomHyperparameters: Bool
  public var steps: Int
  public var stepsThisRun: Int
  /// Training seconds over every run that built the checkpoint.
  public var seconds: Double
  /// The rate of the run that took the last steps; a finished run resumed to re-score it keeps
  /// it from the metrics it replaces (nil when there were none).
  public var stepsPerSecond: Double?
  /// The last training step's loss (kept like the rate).
  public var finalLoss: Double?
  public var threads: Int
  public var parameters: Int
  public var scores: NeuralProcessScores
}

extension NeuralProcessTrainingParameters {
  /// Adam over every parameter at the run's learning rate, falling exponentially by
  /// `learningRateDecay` over the run (NPF's `decay_lr`) when that is not 1.
  func makeOptimizers(for network: NeuralProcess) -> Optimizers {
    Optimizers(
      Adam(network.parameters(), learningRate: learningRate),
      schedule: learningRateDecay == 1 ? .constant : .exponential(totalSteps: steps, finalFactor: 1 / learningRateDecay))
  }

  /// Trains the run into `out` (checkpoints, metrics.json and figures), continuing it with
  /// `resume`, and scores it on fixed test tasks.
  public func train() throws -> NeuralProcessTrainingResult {
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
        throw ExperimentError("--init-from \(initFrom) was trained with other model settings (\(source.run.model.name), \(source.run.model.design.rawValue) architecture) than this run (\(run.model.name)): pass the same --model, --architecture, --attention, --hidden and --minimum-std")
      }
      try Checkpoint.load(from: source.checkpoint, into: network)
    }
    let optimizers = makeOptimizers(for: network)
    let sampler = run.sampler
    let name = run.model.name
    let loop = TrainingLoop(
      .steps(steps), seed: seed, checkpoint: folder.appendingPathComponent(runCheckpointName),
      checkpointEvery: checkpointEvery, config: run.json, label: name)
    let curve = curveTasks > 0 ? try LearningCurveRecorder(
      folder: folder, resume: resume, batches: evaluationBatches(sampler, tasks: curveTasks, seed: 2_024),
      title: "\(name.uppercased()) on \(kernel.rawValue) curves (\(curveProtocol.rawValue)): \(curveTasks) test tasks"
        + (model.hasLatentPath ? ", z from \(zFrom.rawValue)" : ""),
      published: curveProtocol == .npf ? PublishedNPF.targetLL[kernel.rawValue]?[model.rawValue] : nil) : nil
    let summary = try loop.run(
      network, optimizers: optimizers, resume: resume,
      afterCheckpoint: { step, seconds in
        try curve?.record(network, step: step, trainSeconds: seconds, samples: samples, zFrom: zFrom)
      }
    ) { _ in
      let batch = sampler.sample(batchSize: batchSize)
      let (context, target) = batch.float32()
      return NeuralProcessTasks(context: context, target: target, contextIndices: batch.contextIndices)
    }
    let scores = network.evaluate(
      batches: evaluationBatches(sampler, tasks: evaluationTasks, seed: 2_024), samples: samples, zFrom: zFrom)
    let metrics = CurveTrainingMetrics(
      model: name, architecture: architecture.rawValue, protocol: curveProtocol.rawValue, kernel: kernel.rawValue, randomHyperparameters: randomHyperparameters,
      steps: steps, stepsThisRun: summary.lastStep - summary.firstStep, seconds: summary.totalSeconds,
      stepsPerSecond: summary.stepsPerSecond, finalLoss: summary.finalLoss, threads: Torch.threadCount,
      parameters: network.parameterCount, scores: scores)
    try writeRunMetrics(metrics, to: folder.appendingPathComponent("metrics.json"))
    let figure = network.predictionFigure(sampler: sampler, title: "\(name.uppercased()) on \(kernel.rawValue) curves (\(curveProtocol.rawValue)), \(steps) steps")
    try figure.write(to: folder.appendingPathComponent("predictions.png"))
    let files = [runCheckpointName, "metrics.json", "predictions.png"] + (curve == nil ? [] : ["curve.csv", "curve.png"])
    return .curves(metrics, folder: folder, files: files)
  }
}
