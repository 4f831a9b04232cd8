import Backbones
import Foundation
import ImageData
import Torch
import Uncertainty

/// The Gram-matrix detector (`GramDetector`) applied post hoc to a trained benchmark classifier
/// built on `FashionCNN`: its four activations (three conv blocks and the features) are the
/// recorded layers, its predicted class picks the bounds, and its max probability divides the
/// deviation, as the official code divides by the softmax confidence.
///
/// Splits follow VectorInstitute/gram-ood-detection: bounds come from training images; each
/// layer's normaliser is its mean deviation on a random 10% of the in-distribution test set
/// (the notebooks' `validation_indices`), which is then left out of the scored test images. No
/// OoD data is seen before scoring. The official code repeats the 10% draw over ten seeds and
/// averages; one fixed draw is used here.
public struct ImageGramDetection {
  public let detector: GramDetector
  /// Images per forward pass while fitting and scoring.
  public var batchSize = 500

  /// Fraction of the test set used to normalise the layer deviations (the official 10%).
  public static let validationFraction = 0.1
  /// Seed of the validation draw, so every evaluation holds out the same test images.
  public static let validationSeed: UInt64 = 10_101

  /// A detector reading `model`'s FashionCNN; nil for models without one (deep ensembles, whose
  /// members would each need their own bounds; DUQ, whose certainty is not a softmax; SDE-Net,
  /// which has no FashionCNN).
  public init?(model: any ImageBenchmarkClassifier, powers: [Int] = Array(1...10)) {
    let features: FashionCNN
    let probabilities: (Tensor) -> Tensor
    switch model {
    case let softmax as SoftmaxClassifier:
      guard let network = softmax.network as? CNNClassifierNetwork else { return nil }
      (features, probabilities) = (network.features, softmax.probabilities)
    case let beliefMatching as BeliefMatchingClassifier:
      guard let network = beliefMatching.network as? CNNClassifierNetwork else { return nil }
      (features, probabilities) = (network.features, beliefMatching.probabilities)
    case let dropout as MCDropoutClassifier<FashionCNN>:
      // The deterministic pass (dropout's expectation), so bounds and scores do not depend on masks.
      (features, probabilities) = (dropout.features, { dropout.probabilities($0, dropout: false) })
    default:
      return nil
    }
    let classes = FashionMNISTRun.classes
    detector = GramDetector(classCount: classes, powers: powers, features: features.activations) { x in
      let p = probabilities(x)
      return Prediction(classes: p.argmax(dim: 1), certainty: p.amax(1))
    }
  }

  /// Splits `count` test images into the validation part that normalises the deviations and
  /// the part that is scored (both in increasing order).
  public static func testSplit(count: Int) -> (validation: [Int], scored: [Int]) {
    let validationCount = max(1, Int((Double(count) * validationFraction).rounded()))
    let permutation = seededPermutation(count, seed: validationSeed)
    return (Array(permutation.prefix(validationCount)).sorted(), Array(permutation.dropFirst(validationCount)).sorted())
  }

  /// Fits the per-class bounds on `trainingImages` and the normalisers on `validationImages`
  /// (both [N, 1, 28, 28] in [0, 1]).
  public func fit(trainingImages: Tensor, validationImages: Tensor) {
    detector.fit(trainingBatches: batches(trainingImages))
    detector.calibrate(validationBatches: batches(validationImages))
  }

  /// Certainty of each image: minus its total normalised deviation (higher: more in-distribution).
  public func certainty(_ images: Tensor) -> [Double] {
    batches(images).flatMap { (-detector.deviations($0)).toArray(Double.self) }
  }

  /// `images` normalised as the models expect, in batches.
  private func batches(_ images: Tensor) -> [Tensor] {
    stride(from: 0, to: images.size(0), by: batchSize).map {
      FashionMNISTRun.normalize(images[$0..<Swift.min($0 + batchSize, images.size(0))])
    }
  }
}
