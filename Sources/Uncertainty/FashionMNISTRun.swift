import Foundation
import ImageData
import NN
import Torch

/// The methods of the Fashion-MNIST → MNIST out-of-distribution benchmark.
public enum ImageOODMethod: String, CaseIterable, Codable, Sendable {
  case softmax, ensemble, mcdropout, duq

  /// Name used in tables and figure titles.
  public var title: String {
    switch self {
    case .softmax: "Softmax"
    case .ensemble: "Deep ensemble"
    case .mcdropout: "MC dropout"
    case .duq: "DUQ"
    }
  }
}

/// Everything that defines a Fashion-MNIST training run of one method; saved as JSON in its
/// checkpoint, so a resumed run and an evaluation rebuild the same model. The epoch count is
/// not part of it: a finished run can be continued for more epochs.
///
/// Defaults follow y0ast/deterministic-uncertainty-quantification. DUQ (train_duq_fm.py): the
/// CNN of utils/cnn_duq.py, embedding 256, γ 0.999, N₀ 12, W ~ N(0, 0.05²), SGD with learning
/// rate 0.05, momentum 0.9 and weight decay 1e-4, learning rate × 0.2 after epochs 10 and 20,
/// batches of 128, 30 epochs; σ 0.1 and λ 0.05, the paper's Fashion-MNIST choice (the script's
/// gradient-penalty search runs at σ 0.1). Softmax, ensemble and MC dropout use the repository's
/// deep-ensemble baseline (train_deep_ensemble.py on FashionMNIST): the same CNN with a linear
/// layer to 10 logits, SGD with learning rate 0.05, momentum 0.9, weight decay 5e-4, × 0.1
/// after epochs 10 and 20, batches of 128, five members seeded s … s+4. MC dropout adds dropout
/// 0.5 before the last layer (Gal and Ghahramani's usual rate) and averages 20 passes.
public struct FashionMNISTRun: Codable, Equatable, Sendable {
  public var method: ImageOODMethod
  public var batchSize = 128
  /// Seeds the initialisation (member i of an ensemble: seed + i) and the batch orders.
  public var seed: UInt64 = 0
  /// Train on this many training images (a fixed-seed random subset) instead of all 60,000.
  public var trainSubset: Int?
  /// Output channels of the three conv blocks.
  public var channels = [64, 128, 128]
  public var featureSize = 256
  public var learningRate = 0.05
  public var momentum = 0.9
  public var weightDecay: Double
  /// Epochs after which the learning rate is multiplied by `learningRateFactor`.
  public var milestones = [10, 20]
  public var learningRateFactor: Double
  /// Ensemble members.
  public var members = 5
  /// Dropout rate before MC dropout's last layer.
  public var dropout = 0.5
  /// Stochastic passes averaged by an MC-dropout prediction.
  public var samples = 20
  /// DUQ's head (nil for the other methods).
  public var duq: DUQConfiguration?

  public static let classes = 10
  /// Mean and standard deviation of Fashion-MNIST's training pixels, the reference's
  /// `Normalize((0.2861,), (0.3530,))`, applied to every image the models see (OoD sets too).
  public static let pixelMean = 0.2861
  public static let pixelStd = 0.3530
  /// Epochs of the paper's runs (train_duq_fm.py: 30; the baselines use the same budget here).
  public static let paperEpochs = 30

  /// The reference settings of `method`.
  public init(method: ImageOODMethod) {
    self.method = method
    weightDecay = method == .duq ? 1e-4 : 5e-4
    learningRateFactor = method == .duq ? 0.2 : 0.1
    if method == .duq {
      duq = DUQConfiguration(
        featureSize: featureSize, embeddingSize: 256, classes: Self.classes, lengthScale: 0.1, gamma: 0.999,
        gradientPenaltyWeight: 0.05, initialCount: 12, weightStd: 0.05)
    }
  }

  /// The run as one line of JSON with sorted keys, so equal runs compare equal as text.
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }

  /// The run saved in a checkpoint's config, or nil if the text is not one.
  public static func decode(_ json: String) -> FashionMNISTRun? {
    try? JSONDecoder().decode(FashionMNISTRun.self, from: Data(json.utf8))
  }

  /// An untrained model of this run's method, initialised from `seed`.
  public func makeModel() -> any ImageBenchmarkClassifier {
    Torch.manualSeed(seed)
    switch method {
    case .softmax:
      return SoftmaxClassifier(makeNetwork(), certaintyMeasure: .maxProbability)
    case .ensemble:
      return DeepEnsemble(count: members, seed: seed, certaintyMeasure: .maxProbability) {
        SoftmaxClassifier(makeNetwork())
      }
    case .mcdropout:
      return MCDropoutClassifier(
        features: makeFeatures(), featureSize: featureSize, classes: Self.classes, dropout: dropout, samples: samples)
    case .duq:
      var configuration = duq!
      configuration.featureSize = featureSize
      return DUQ(features: makeFeatures(), configuration: configuration)
    }
  }

  func makeFeatures() -> FashionCNN { FashionCNN(channels: channels, featureSize: featureSize) }
  func makeNetwork() -> CNNClassifierNetwork { CNNClassifierNetwork(features: makeFeatures(), classes: Self.classes) }

  /// SGD over every trainable parameter of `model` with this run's settings.
  public func makeOptimizer(for model: Module) -> SGD {
    SGD(model.trainableParameters(), learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
  }

  /// MultiStepLR by epoch.
  public var schedule: LearningRateSchedule { .multiStep(milestones: milestones, gamma: learningRateFactor) }

  /// Images [N, 1, 28, 28] in [0, 1] standardised as the models expect.
  public static func normalize(_ images: Tensor) -> Tensor { (images - pixelMean) / pixelStd }

  /// The training images this run uses: all of Fashion-MNIST's training split, or a fixed
  /// random subset of `trainSubset` of them (the same on every machine).
  public func trainingSet(directory: URL? = nil) throws -> ImageDataset {
    let all = try ImageDataset.fashionMNIST(split: .train, directory: directory)
    guard let trainSubset, trainSubset < all.count else { return all }
    return all.subset(Array(seededPermutation(all.count, seed: 60_000).prefix(trainSubset)), name: "\(all.name)[\(trainSubset)]")
  }

  /// Trains `model` (from `makeModel()`) on `data` for `epochs` epochs in all, checkpointing
  /// after each to `checkpoint`; with `resume`, continues from it when it exists.
  public func train(
    _ model: any ImageBenchmarkClassifier, on data: ImageDataset, epochs: Int, checkpoint: URL, resume: Bool
  ) throws -> EpochSummary {
    let optimizer = makeOptimizer(for: model)
    let loop = MiniBatchEpochs(batchSize: batchSize, epochs: epochs, label: method.rawValue)
    let checkpointing = EpochCheckpointing(url: checkpoint, config: json, seed: seed &+ 1_000, schedule: schedule)
    return try loop.run(
      points: Self.normalize(data.images), labels: data.labels, model: model, optimizer: optimizer,
      checkpointing: checkpointing, resume: resume, streams: model.batchStreams
    ) { model.trainingStep(batches: $0, optimizer: optimizer) }
  }
}
