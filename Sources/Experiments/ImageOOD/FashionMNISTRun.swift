import Backbones
import Foundation
import ImageData
import NN
import Torch
import Training
import Uncertainty

/// The methods of the Fashion-MNIST → MNIST out-of-distribution benchmark.
public enum ImageOODMethod: String, CaseIterable, Codable, Sendable {
  case softmax, ensemble, mcdropout, duq
  case beliefMatching = "belief-matching"
  case sdenet
  /// SDE-Net's plain baseline: the same network with residual blocks in place of the SDE.
  case resnet

  /// Name used in tables and figure titles.
  public var title: String {
    switch self {
    case .softmax: "Softmax"
    case .ensemble: "Deep ensemble"
    case .mcdropout: "MC dropout"
    case .duq: "DUQ"
    case .beliefMatching: "Belief matching"
    case .sdenet: "SDE-Net"
    case .resnet: "ResNet"
    }
  }

  /// Epochs of the reference run: SDE-Net's official MNIST scripts train 40 (SDE-Net and its
  /// ResNet), the others 30.
  public var paperEpochs: Int { [.sdenet, .resnet].contains(self) ? SDENetOptimizers.epochs : FashionMNISTRun.paperEpochs }
}

/// Belief matching's loss settings (Joo, Chung and Seo; tjoo512/belief-matching-framework).
public struct BeliefMatchingConfiguration: Codable, Equatable, Sendable {
  /// Weight of KL(Dir(α) ‖ Dir(β·1)) (`--coeff`).
  public var klCoefficient = BeliefMatchingClassifier.defaultKLCoefficient
  /// β of the prior (`--prior`).
  public var priorConcentration = BeliefMatchingClassifier.defaultPriorConcentration
  public init() {}
}

/// SDE-Net's network and second optimiser (Lingkai-Kong/SDE-Net, MNIST/sdenet_mnist.py and
/// test_detection.py); the drift optimiser uses the run's learningRate, momentum, weightDecay
/// and milestones.
public struct SDENetConfiguration: Codable, Equatable, Sendable {
  /// Channels of the hidden state (`dim=64`).
  public var channels = 64
  /// Euler–Maruyama steps (`layer_depth=6`).
  public var layerDepth = 6
  /// Diffusion scale while training (the script's `net.sigma = 20`).
  public var trainingSigma = 20.0
  /// Diffusion scale when scoring: test_detection.py rebuilds the model, whose default is 500.
  public var detectionSigma = SDENet.detectionSigma
  /// Stochastic passes averaged per prediction (`--eva_iter 10`).
  public var evaluationPasses = 10
  /// Learning rate of the diffusion net's SGD (`optimizer_G`).
  public var diffusionLearningRate = 0.01
  /// Epochs (0-based indices) from which the diffusion learning rate is ×0.1 once more.
  public var diffusionMilestones = [16, 31]
  public init() {}
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
///
/// Belief matching trains the softmax network with the belief-matching loss (KL coefficient
/// 0.01 and prior concentration 1, tjoo512/belief-matching-framework's defaults) under the
/// softmax family's SGD settings; its certainty is the chosen measure of the Dirichlet mean
/// (max probability by default). The paper also scores OoD inputs by the Dirichlet precision α₀
/// or the mutual information (`BeliefMatchingClassifier.precision`, `.mutualInformation`); the
/// benchmark leaves those out so every softmax-like method is ranked by the same measure.
///
/// SDE-Net follows Lingkai-Kong/SDE-Net's MNIST script: `SDENet_mnist(layer_depth=6, dim=64)`,
/// σ 20 while training, drift SGD (downsampling, drift, head) with learning rate 0.1 × 0.1 from
/// epoch indices 11, 21 and 31, diffusion SGD with learning rate 0.01 × 0.1 from 16 and 31, both
/// momentum 0.9 and weight decay 5e-4, batches of 128, 40 epochs. Scoring follows
/// test_detection.py: σ 500 (the model's default there), and the certainty is the max of the mean
/// softmax over 10 passes. Given milestones (`--milestones`) replace both optimisers' drops, so
/// both learning rates fall ×0.1 at each given epoch: a short run keeps both decays inside it.
/// SDE-Net's ResNet baseline follows MNIST/resnet_mnist.py: `Resnet()` (SDE-Net's downsampling
/// and head, six residual blocks), cross-entropy, SGD with the drift's settings (learning rate
/// 0.1 × 0.1 from epoch indices 11, 21 and 31, momentum 0.9, weight decay 5e-4), batches of 128,
/// 40 epochs; its certainty is the max softmax probability, as test_detection.py scores it.
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
  /// Belief matching's loss settings (nil for the other methods).
  public var beliefMatching: BeliefMatchingConfiguration?
  /// SDE-Net's network and diffusion optimiser (nil for the other methods).
  public var sdeNet: SDENetConfiguration?

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
    if method == .beliefMatching { beliefMatching = BeliefMatchingConfiguration() }
    if method == .sdenet { sdeNet = SDENetConfiguration() }
    if method == .sdenet || method == .resnet {
      learningRate = 0.1
      milestones = [11, 21, 31]
    }
  }

  /// Sets the epochs after which the learning rate drops: the drift's and diffusion's both for
  /// SDE-Net, so a shorter budget scales every decay.
  public mutating func setMilestones(_ epochs: [Int]) {
    milestones = epochs
    sdeNet?.diffusionMilestones = epochs
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
    case .beliefMatching:
      let loss = beliefMatching!
      return BeliefMatchingClassifier(
        makeNetwork(), klCoefficient: loss.klCoefficient, priorConcentration: loss.priorConcentration,
        certaintyMeasure: .maxProbability)
    case .sdenet:
      let settings = sdeNet!
      return SDENet(
        classes: Self.classes, channels: settings.channels, layerDepth: settings.layerDepth,
        sigma: settings.trainingSigma, evaluationPasses: settings.evaluationPasses)
    case .resnet:
      return SoftmaxClassifier(SDENetResNet(classes: Self.classes), certaintyMeasure: .maxProbability)
    }
  }

  /// Puts a trained `model` of this run in evaluation mode with its scoring settings (SDE-Net:
  /// the detection σ of test_detection.py).
  public func prepareForScoring(_ model: any ImageBenchmarkClassifier) {
    model.eval()
    if let sdeNet, let model = model as? SDENet { model.sigma = sdeNet.detectionSigma }
  }

  /// Runs `body` with `model` prepared for scoring, then puts back SDE-Net's training σ (the
  /// next training step switches back to training mode itself).
  public func whileScoring<Result>(_ model: any ImageBenchmarkClassifier, _ body: () throws -> Result) rethrows -> Result {
    let sdeNet = model as? SDENet
    let trainingSigma = sdeNet?.sigma
    defer { if let sdeNet, let trainingSigma { sdeNet.sigma = trainingSigma } }
    prepareForScoring(model)
    return try body()
  }

  func makeFeatures() -> FashionCNN { FashionCNN(channels: channels, featureSize: featureSize) }
  func makeNetwork() -> CNNClassifierNetwork { CNNClassifierNetwork(features: makeFeatures(), classes: Self.classes) }

  /// SGD over every trainable parameter of `model` with this run's settings.
  public func makeOptimizer(for model: Module) -> SGD {
    SGD(model.trainableParameters(), learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
  }

  /// MultiStepLR by epoch.
  public var schedule: LearningRateSchedule { .multiStep(milestones: milestones, gamma: learningRateFactor) }

  /// The optimisers `model` trains with: one SGD, or SDE-Net's drift and diffusion SGDs (named,
  /// so the checkpoint holds both states), each with its schedule by epoch.
  public func makeOptimizers(for model: any ImageBenchmarkClassifier) -> Optimizers {
    guard let sdeNet, let network = model as? SDENet else {
      return Optimizers(makeOptimizer(for: model), schedule: schedule)
    }
    let optimizers = SDENetOptimizers(
      model: network, driftLearningRate: learningRate, diffusionLearningRate: sdeNet.diffusionLearningRate,
      momentum: momentum, weightDecay: weightDecay)
    return optimizers.named(
      drift: schedule, diffusion: .multiStep(milestones: sdeNet.diffusionMilestones, gamma: learningRateFactor))
  }

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
  /// after each to `checkpoint` and then calling `afterEpoch(epochs, trainSeconds)`; with
  /// `resume`, continues from it when it exists. Each ensemble member draws its own batch order.
  public func train(
    _ model: any ImageBenchmarkClassifier, on data: ImageDataset, epochs: Int, checkpoint: URL, resume: Bool,
    afterEpoch: (_ epochs: Int, _ trainSeconds: Double) throws -> Void = { _, _ in }
  ) throws -> TrainingSummary {
    let loop = TrainingLoop(.epochs(epochs), seed: seed &+ 1_000, checkpoint: checkpoint, config: json, label: method.rawValue)
    let batches = IndependentStreams(
      LabelledData(points: Self.normalize(data.images), labels: data.labels, batchSize: batchSize), count: model.batchStreams)
    return try loop.run(
      ImageBenchmarkObjective(model), optimizers: makeOptimizers(for: model), data: batches, resume: resume,
      afterCheckpoint: afterEpoch)
  }
}
