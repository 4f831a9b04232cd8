import Backbones
import Foundation
import ImageData
import NN
import SelfSupervised
import Torch
import Training

/// The methods of the SLA comparison (issue 35, Experiment A; Lee, Hwang and Shin, ICML 2020,
/// Table 1): the plain classifier, rotations as data augmentation (DA) or as a second task
/// (MT), and SLA's joint-label classifier without and with self-distillation.
public enum LabelAugmentationMethod: String, CaseIterable, Codable, Sendable {
  case baseline, da, mt, sla
  case slaSD = "sla-sd"

  /// The inferences a trained model of this method answers: SI and AG for SLA, SD too when
  /// it was trained with self-distillation, its only prediction for the others.
  public var inferences: [LabelAugmentationInference] {
    switch self {
    case .baseline, .da, .mt: [.plain]
    case .sla: [.si, .ag]
    case .slaSD: [.si, .ag, .sd]
    }
  }
}

/// How a model predicts the class of an untransformed image.
public enum LabelAugmentationInference: String, CaseIterable, Codable, Sendable {
  /// The baselines' classifier.
  case plain
  /// SLA's single inference: the joint logits of the unrotated image's own rotation.
  case si
  /// SLA's aggregated inference: the joint logits of the four rotations averaged.
  case ag
  /// SLA+SD's distilled head, one pass.
  case sd
}

/// Everything that defines an SLA-comparison run; saved as JSON in its checkpoint, so a resumed
/// run and `selfsup eval` rebuild the same data and model. The epoch count is not part of it.
///
/// Data: Fashion-MNIST (on MNIST, rotations of 0, 1, 8 and 6 / 9 are ambiguous), the full
/// training set or `perClass` images of each class drawn by `seed`; scored on the 10,000 test
/// images. Model: the DUQ paper's CNN (`FashionCNN`) narrowed to `channels` and `featureSize`
/// for one CPU core, with the method's heads on its features. Every method sees the same four
/// rotations of each image in its batch (the baseline uses only the unrotated copy); no other
/// augmentation. Optimiser: Adam at `learningRate` (the paper trains ResNets with SGD on
/// CIFAR for 80,000 iterations, out of reach here).
public struct LabelAugmentationRun: Codable, Equatable, Sendable {
  public var method: LabelAugmentationMethod
  /// Images per class (nil: all 60,000 training images).
  public var perClass: Int?
  /// Seeds the subset, the initialisation and the batch orders.
  public var seed: UInt64 = 0
  /// Images per batch (each in four rotations).
  public var batchSize = 64
  public var learningRate = 1e-3
  public var channels = [32, 64, 64]
  public var featureSize = 128

  public init(method: LabelAugmentationMethod) { self.method = method }

  /// The run as one line of JSON with sorted keys, so equal runs compare equal as text.
  public var json: String { jsonLine(self) }

  /// The run saved in a checkpoint's config, or nil if the text is not one.
  public static func decode(_ json: String) -> LabelAugmentationRun? {
    try? JSONDecoder().decode(LabelAugmentationRun.self, from: Data(json.utf8))
  }

  /// "full" or "50 a class", as tables name the data.
  public var dataLabel: String { perClass.map { "\($0) a class" } ?? "full" }

  /// The standardised training images (the subset) and the test images.
  func data(directory: URL? = nil) throws -> (train: ImageDataset, test: ImageDataset) {
    let train = try ImageDataset.fashionMNIST(split: .train, directory: directory)
    let test = try ImageDataset.fashionMNIST(split: .test, directory: directory)
    let standardised = { (set: ImageDataset) in
      ImageDataset(images: FashionMNISTRun.normalize(set.images), labels: set.labels, name: set.name)
    }
    guard let perClass else { return (standardised(train), standardised(test)) }
    let labels = train.labels.toArray(Int.self)
    let rows = seededPermutation(labels.count, seed: seed)
    var taken = [Int](repeating: 0, count: 10)
    var subset: [Int] = []
    for row in rows where taken[labels[row]] < perClass {
      taken[labels[row]] += 1
      subset.append(row)
    }
    if let short = taken.firstIndex(where: { $0 < perClass }) {
      throw ExperimentError(
        "--per-class \(perClass) asks for more images than class \(short) has (\(taken[short])): ask for fewer")
    }
    guard subset.count >= batchSize else {
      throw ExperimentError("\(subset.count) training images make no batch of \(batchSize): lower --batch-size")
    }
    return (standardised(train.subset(subset.sorted())), standardised(test))
  }

  /// An untrained model of this run's method, initialised from `seed`.
  func makeModel() -> LabelAugmentationModel {
    Torch.manualSeed(seed)
    let features = FashionCNN(channels: channels, featureSize: featureSize)
    switch method {
    case .baseline, .da, .mt:
      let kind: RotationBaselineClassifier<FashionCNN>.Kind =
        method == .baseline ? .plain : method == .da ? .dataAugmentation : .multiTask
      let model = RotationBaselineClassifier(features: features, featureSize: featureSize, classes: 10)
      return .baseline(RotationBaselineObjective(model, kind: kind))
    case .sla, .slaSD:
      let model = SLAClassifier(features: features, featureSize: featureSize, classes: 10)
      return .sla(SLAObjective(model, selfDistillation: method == .slaSD))
    }
  }
}

/// A model of the SLA comparison with its objective.
enum LabelAugmentationModel {
  case baseline(RotationBaselineObjective<FashionCNN>)
  case sla(SLAObjective<FashionCNN>)

  var module: Module {
    switch self {
    case .baseline(let objective): objective.model
    case .sla(let objective): objective.model
    }
  }

  /// Class logits [N, 10] of untransformed images under `inference`, 1,000 at a time, in
  /// evaluation mode without gradients.
  func logits(_ x: Tensor, inference: LabelAugmentationInference) -> Tensor {
    Tensor.cat(stride(from: 0, to: x.size(0), by: 1_000).map { start in
      let chunk = x[start..<Swift.min(start + 1_000, x.size(0))]
      switch (self, inference) {
      case (.baseline(let objective), _):
        let model = objective.model
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return withNoGrad { model(chunk) }
      case (.sla(let objective), .si), (.sla(let objective), .plain): return objective.model.singleLogits(chunk)
      case (.sla(let objective), .ag): return objective.model.aggregatedLogits(chunk, transforms: Rotations.quarterTurns)
      case (.sla(let objective), .sd): return objective.model.distilledLogits(chunk)
      }
    })
  }

  /// Test accuracy under `inference`.
  func accuracy(_ images: Tensor, _ labels: Tensor, inference: LabelAugmentationInference) -> Double {
    (logits(images, inference: inference).argmax(dim: 1) .== labels).to(.float64).mean().item()
  }
}
