import Datasets
import Foundation
import NN
import NeuralProcesses
import Torch

/// Everything that defines a Neural Process training run; saved in its checkpoint, so a
/// resumed run and `np eval` rebuild the same model and data. Its encoded keys are the format
/// of every saved run's config: rename none.
public struct NeuralProcessRun: Codable, Equatable, Sendable {
  public var model: NeuralProcessConfiguration
  public var curveProtocol: CurveProtocol
  public var kernel: CurveKernel
  public var randomHyperparameters: Bool
  public var batchSize: Int
  public var learningRate: Double
  /// The learning rate falls exponentially by this factor over the run (nil: constant).
  public var learningRateDecay: Double?
  /// Image completion on this data set instead of curves (nil: curves).
  public var images: ImageSource?
  /// The checkpoint whose weights the run started from (nil: a fresh initialisation).
  public var initialisedFrom: String?

  public init(
    model: NeuralProcessConfiguration, curveProtocol: CurveProtocol, kernel: CurveKernel, randomHyperparameters: Bool,
    batchSize: Int, learningRate: Double, learningRateDecay: Double?, images: ImageSource? = nil, initialisedFrom: String? = nil
  ) {
    self.model = model
    self.curveProtocol = curveProtocol
    self.kernel = kernel
    self.randomHyperparameters = randomHyperparameters
    self.batchSize = batchSize
    self.learningRate = learningRate
    self.learningRateDecay = learningRateDecay
    self.images = images
    self.initialisedFrom = initialisedFrom
  }

  public var sampler: GPCurveSampler {
    GPCurveSampler(protocol: curveProtocol, kernel: kernel, randomHyperparameters: randomHyperparameters)
  }

  /// The run as one line of JSON with sorted keys, so equal runs compare equal as text.
  public var json: String { jsonLine(self) }

  /// The run saved at `path` (a run folder or its model.safetensors) and its checkpoint file,
  /// read from the checkpoint's metadata alone.
  public static func saved(at path: String) throws -> (run: NeuralProcessRun, checkpoint: URL, info: CheckpointInfo) {
    let (url, info) = try savedCheckpoint(at: path, writtenBy: "np train")
    guard let config = info.config, let run = try? JSONDecoder().decode(NeuralProcessRun.self, from: Data(config.utf8)) else {
      throw ExperimentError("\(url.path) is not a Neural Process checkpoint (its metadata has no NP configuration)")
    }
    return (run, url, info)
  }

  /// The run and trained model saved at `path` (a run folder or its model.safetensors).
  public static func load(_ path: String) throws -> (NeuralProcessRun, NeuralProcess, CheckpointInfo) {
    let (run, url, info) = try saved(at: path)
    let model = NeuralProcess(run.model)
    _ = try Checkpoint.load(from: url, into: model)
    model.eval()
    return (run, model, info)
  }
}

extension NeuralProcessConfiguration {
  /// The run's label: the kind, its cross-attention for attncnp/anp.
  public var name: String { kind.usesCrossAttention ? "\(kind.rawValue)-\(attention.rawValue)" : kind.rawValue }
}

/// The test batches every evaluation of a protocol uses (fixed seed, so scores compare).
public func evaluationBatches(_ sampler: GPCurveSampler, tasks: Int, seed: UInt64) -> [CurveBatch] {
  Torch.manualSeed(seed)
  let batchSize = 50
  return stride(from: 0, to: tasks, by: batchSize).map { start in
    sampler.sample(batchSize: min(batchSize, tasks - start), training: false)
  }
}
