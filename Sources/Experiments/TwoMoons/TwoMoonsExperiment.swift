import Datasets
import Foundation
import NN
import Torch
import Training
import Uncertainty

/// The methods of the two-moons comparison.
public enum MoonsMethod: String, CaseIterable, Codable, Sendable {
  case duq, ensemble, softmax

  /// Name used in figure titles.
  public var title: String {
    switch self {
    case .duq: "DUQ"
    case .ensemble: "Deep ensemble"
    case .softmax: "Softmax"
    }
  }
}

/// The DUQ paper's two-moons experiment: DUQ against a deep ensemble and a single softmax
/// network on `make_moons` data.
///
/// Settings follow the official notebooks (y0ast/deterministic-uncertainty-quantification):
/// two_moons.ipynb for DUQ (three Linear layers of 20 with ReLU between, embedding 10, σ 0.3,
/// γ 0.99, λ 1, 30 epochs) and two_moons_ensemble.ipynb for the ensemble (five four-layer
/// ReLU networks of width 20, 50 epochs); both use SGD with learning rate 0.01, momentum
/// 0.9, weight decay 1e-4, batches of 64, noise 0.1 and 200 test points. Training uses 1,500
/// points, as the DUQ notebook does (the ensemble notebook used 1,000).
public struct TwoMoonsExperiment: Codable, Sendable {
  public var trainPoints = 1500
  public var testPoints = 200
  public var noise = 0.1
  public var hiddenSize = 20
  public var batchSize = 64
  public var learningRate = 0.01
  public var momentum = 0.9
  public var weightDecay = 1e-4
  public var duqEpochs = 30
  /// Epochs of each softmax network, alone or in the ensemble.
  public var softmaxEpochs = 50
  public var ensembleMembers = 5
  /// How softmax and ensemble predictions become a certainty (the ensemble notebook plots entropy).
  public var certaintyMeasure: CertaintyMeasure = .entropy
  public var duq: DUQConfiguration = .twoMoons()
  /// Seeds the data, the initialisations and the batch order.
  public var seed: UInt64 = 0

  public init() {}

  /// The training points.
  public var trainingSet: TwoMoons { TwoMoons(count: trainPoints, noise: noise, seed: seed) }
  /// Fresh test points from another stream.
  public var testSet: TwoMoons { TwoMoons(count: testPoints, noise: noise, seed: seed &+ 7_919) }

  /// Epochs `method` trains for by default.
  public func defaultEpochs(_ method: MoonsMethod) -> Int { method == .duq ? duqEpochs : softmaxEpochs }

  /// A model of `method` trained on `data` for `epochs` (default: the method's), and the seconds it took.
  public func train(_ method: MoonsMethod, on data: TwoMoons, epochs: Int? = nil) throws -> (model: any UncertaintyClassifier, seconds: Double) {
    let epochs = epochs ?? defaultEpochs(method)
    switch method {
    case .duq:
      let model = makeDUQ()
      return (model, try trainDUQ(model, on: data, epochs: epochs))
    case .softmax:
      Torch.manualSeed(seed)
      let model = makeSoftmax()
      return (model, try trainSoftmax(model, on: data, epochs: epochs, member: 0, label: "softmax"))
    case .ensemble:
      let model = DeepEnsemble(count: ensembleMembers, seed: seed, certaintyMeasure: certaintyMeasure, makeMember: makeSoftmax)
      let seconds = try model.members.enumerated().reduce(0.0) { total, member in
        total + (try trainSoftmax(member.element, on: data, epochs: epochs, member: member.offset,
                             label: "ensemble \(member.offset + 1)/\(model.members.count)"))
      }
      return (model, seconds)
    }
  }

  /// An untrained DUQ head on the notebook's feature extractor (2 → 20 → 20 → 20, ReLU between,
  /// none after the last layer), initialised from `seed`.
  public func makeDUQ() -> DUQ<MLP> {
    Torch.manualSeed(seed)
    var configuration = duq
    configuration.featureSize = hiddenSize
    return DUQ(features: MLP([2, hiddenSize, hiddenSize, hiddenSize]), configuration: configuration)
  }

  /// An untrained softmax network as in the ensemble notebook (2 → 20 → 20 → 20 → 2, ReLU between).
  public func makeSoftmax() -> SoftmaxClassifier {
    SoftmaxClassifier(MLP([2, hiddenSize, hiddenSize, hiddenSize, 2]), certaintyMeasure: certaintyMeasure)
  }

  /// Trains `model` with the notebook's SGD; returns seconds.
  @discardableResult
  public func trainDUQ(_ model: DUQ<MLP>, on data: TwoMoons, epochs: Int) throws -> Double {
    try train(model, on: data, epochs: epochs, seed: seed &+ 1, label: "duq")
  }

  /// Trains one softmax network; `member` picks its own batch order. Returns seconds.
  func trainSoftmax(_ model: SoftmaxClassifier, on data: TwoMoons, epochs: Int, member: Int, label: String) throws -> Double {
    try train(model, on: data, epochs: epochs, seed: seed &+ 1 &+ UInt64(member), label: label)
  }

  /// Epochs of shuffled batches, without checkpoints (a run takes seconds); returns seconds.
  func train<Model: Objective & Module>(
    _ model: Model, on data: TwoMoons, epochs: Int, seed: UInt64, label: String
  ) throws -> Double where Model.Batch == LabelledBatch {
    let loop = TrainingLoop(.epochs(epochs), seed: seed, checkpoint: nil, label: label)
    let batches = LabelledData(points: data.points, labels: data.labels, batchSize: batchSize)
    return try loop.run(model, optimizers: Optimizers(sgd(model)), data: batches, resume: false).seconds
  }

  func sgd(_ model: Module) -> SGD {
    SGD(model.trainableParameters(), learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
  }
}

/// Points on a circle of `radius` around the middle of the two moons (0.5, 0.25): inputs
/// unlike any training point, for checking that certainty falls away from the data.
public func pointsFarFromMoons(radius: Double = 5, count: Int = 64) -> Tensor {
  let angles = (0..<count).map { 2 * Double.pi * Double($0) / Double(count) }
  return Tensor(angles.flatMap { [0.5 + radius * cos($0), 0.25 + radius * sin($0)] }, shape: [count, 2])
}
