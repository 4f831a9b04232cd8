import Backbones
import Foundation
import ImageData
import NN
import SemiSupervised
import Torch
import Training

/// The methods of the class-mismatch comparison (issue 33).
public enum SemiSupervisedMethod: String, CaseIterable, Codable, Sendable {
  case supervised, pi
  case pseudoLabel = "pseudo-label"
  case vat, ds3l

  /// Name used in tables and figures.
  public var title: String {
    switch self {
    case .supervised: "Supervised"
    case .pi: "Π-model"
    case .pseudoLabel: "Pseudo-label"
    case .vat: "VAT"
    case .ds3l: "DS3L"
    }
  }
}

/// The data sets a semi-supervised run can split: two image sets, and two moons for FlowGMM.
public enum SemiSupervisedDataset: String, CaseIterable, Codable, Sendable {
  case fashionMNIST = "fashion-mnist"
  /// The 5,000 MNIST digits of `make data` (4,000 train, 1,000 test).
  case mnist
  /// Two moons in the plane (FlowGMM's toy set; the image methods refuse it).
  case twoMoons = "two-moons"

  /// Training pixels' mean and standard deviation, applied to every image the models see.
  var normalization: (mean: Double, std: Double) {
    switch self {
    case .fashionMNIST: (FashionMNISTRun.pixelMean, FashionMNISTRun.pixelStd)
    case .mnist: (0.1307, 0.3081)  // torchvision's MNIST constants, as DS3L's loader uses
    case .twoMoons: (0, 1)
    }
  }

  func load(directory: URL?) throws -> (train: ImageDataset, test: ImageDataset) {
    switch self {
    case .fashionMNIST:
      (try .fashionMNIST(split: .train, directory: directory), try .fashionMNIST(split: .test, directory: directory))
    case .mnist: try ImageDataset.mnist5k(directory: directory)
    case .twoMoons:
      throw ExperimentError("two moons are points, not images: use --dataset two-moons with --method flowgmm, or an image set")
    }
  }
}

/// Everything that defines a semi-supervised run; saved as JSON in its checkpoint, so a resumed
/// run and `ssl eval` rebuild the same split and model. The epoch count is not part of it.
///
/// Defaults follow DS3L's MNIST set-up (guolz-ml/DS3L train.py): classes 0–5 seen, 60 labels
/// (10 a class), 20,000 unlabelled, 5,000 validation images, batches of 50 labelled and 50
/// unlabelled images, the paper's CNN (`DS3LCNN`). One change for a CPU budget: every method
/// trains the classifier with Adam at 3·10⁻⁴ (realistic-ssl-evaluation's optimiser for all its
/// methods) for a few thousand steps, with the consistency ramp's warm-up scaled to the run
/// (`rampWarmupSteps`; `ssl train` defaults to 800, 40 % of 5 epochs, as 200,000 of 500,000 there), where the
/// official code runs 200,000 steps of SGD at 10⁻³. DS3L's weight network keeps its Adam at
/// 6·10⁻⁵ and its virtual step η = 10⁻³.
public struct SemiSupervisedRun: Codable, Equatable, Sendable {
  public var method: SemiSupervisedMethod
  /// NS3L's threshold T when its negative-sampling term is added (nil: without NS3L).
  public var negativeSampling: Double?
  public var dataset: SemiSupervisedDataset = .fashionMNIST
  public var labels = 60
  public var unlabelled = 20_000
  public var seenClasses = Array(0...5)
  /// Share of the unlabelled images drawn from unseen classes.
  public var mismatch = 0.0
  public var validation = 5_000
  /// Seeds the split, the initialisation and the batch orders.
  public var seed: UInt64 = 0
  public var labelledBatch = 50
  public var unlabelledBatch = 50
  public var learningRate = 3e-4
  /// DS3L's weight network (`--lr_wnet`).
  public var weightLearningRate = 6e-5
  /// DS3L's virtual SGD step η (`--meta_lr`).
  public var virtualLearningRate = 1e-3
  /// λ_max of the unlabelled term (nil: the method's reference value).
  public var rampMaximum: Double?
  /// Steps of the λ ramp-up.
  public var rampWarmupSteps: Int
  /// VAT's perturbation norm ε (nil: 6, realistic-ssl-evaluation's for CIFAR-10).
  public var vatEpsilon: Double?

  public init(method: SemiSupervisedMethod, rampWarmupSteps: Int) {
    self.method = method
    self.rampWarmupSteps = rampWarmupSteps
  }

  /// The run as one line of JSON with sorted keys, so equal runs compare equal as text.
  public var json: String { jsonLine(self) }

  /// The run saved in a checkpoint's config, or nil if the text is not one.
  public static func decode(_ json: String) -> SemiSupervisedRun? {
    try? JSONDecoder().decode(SemiSupervisedRun.self, from: Data(json.utf8))
  }

  /// The split of this run's data (seeded by `seed`), from `make data`'s folder or `directory`.
  public func split(directory: URL? = nil) throws -> SemiSupervisedSplit {
    let (train, test) = try dataset.load(directory: directory)
    do {
      return try SemiSupervisedSplit(
        train: train, test: test, seenClasses: seenClasses, labels: labels, unlabelled: unlabelled,
        mismatch: mismatch, validation: validation, seed: seed)
    } catch let error as SemiSupervisedSplitError {
      throw ExperimentError("\(dataset.rawValue): \(error)")
    }
  }

  /// Images [N, 1, 28, 28] in [0, 1] standardised as the models expect.
  public func normalize(_ images: Tensor) -> Tensor {
    let (mean, std) = dataset.normalization
    return (images - mean) / std
  }

  func ramp(reference: RampUp) -> RampUp {
    RampUp(maximum: rampMaximum ?? reference.maximum, warmupSteps: rampWarmupSteps)
  }

  /// An untrained model of this run's method, initialised from `seed`.
  public func makeModel() -> any SemiSupervisedLearner {
    Torch.manualSeed(seed)
    let network = DS3LCNN(classes: seenClasses.count)
    let negatives = negativeSampling.map { NegativeSampling(threshold: $0) }
    switch method {
    case .supervised: return Supervised.classifier(network: network, negativeSampling: negatives)
    case .pi: return PiModel.classifier(network: network, ramp: ramp(reference: PiModel.referenceRamp), negativeSampling: negatives)
    case .pseudoLabel:
      return PseudoLabel.classifier(
        network: network, ramp: ramp(reference: PseudoLabel.referenceRamp), negativeSampling: negatives)
    case .vat:
      return VAT.classifier(
        network: network, epsilon: vatEpsilon ?? 6, ramp: ramp(reference: VAT.referenceRamp), negativeSampling: negatives)
    case .ds3l:
      return DS3L(
        network: network, classes: seenClasses.count, ramp: ramp(reference: DS3L.referenceRamp),
        virtualLearningRate: virtualLearningRate)
    }
  }

  /// Adam over the classifier ("model" for DS3L, beside its weight network's "weights").
  public func makeOptimizers(for model: any SemiSupervisedLearner) -> Optimizers {
    guard let ds3l = model as? DS3L else { return Optimizers(Adam(model.parameters(), learningRate: learningRate)) }
    return Optimizers([
      NamedOptimizer(name: "model", Adam(ds3l.network.parameters(), learningRate: learningRate)),
      NamedOptimizer(name: "weights", Adam(ds3l.weightNetwork.parameters(), learningRate: weightLearningRate)),
    ])
  }
}

/// A classifier trained on labelled and unlabelled batches: what every method of the
/// comparison is to the benchmark.
public protocol SemiSupervisedLearner: Module, Objective where Batch == SemiSupervisedBatch {
  /// Logits [N, seen classes].
  func callAsFunction(_ x: Tensor) -> Tensor
}

extension SemiSupervisedClassifier: SemiSupervisedLearner {}
extension DS3L: SemiSupervisedLearner {}
