import Foundation
import NN
import Torch

/// What a classifier predicts for a batch: classes [batch] (int64) and how certain it is of
/// each, in [0, 1] (higher is more certain).
public struct Prediction {
  public var classes: Tensor
  public var certainty: Tensor

  public init(classes: Tensor, certainty: Tensor) {
    self.classes = classes
    self.certainty = certainty
  }
}

/// A classifier that reports its certainty, so methods compare on the same footing.
public protocol UncertaintyClassifier: Module {
  /// Predicted classes and certainties for inputs [batch, ...], without recording gradients.
  func predict(_ x: Tensor) -> Prediction
}

extension UncertaintyClassifier {
  /// Fraction of `x` whose predicted class equals `labels` (int64 [batch]).
  public func accuracy(_ x: Tensor, labels: Tensor) -> Double {
    (predict(x).classes .== labels).to(.float64).mean().item()
  }
}

/// How a predictive distribution [batch, classes] becomes a certainty in [0, 1].
public enum CertaintyMeasure: String, Codable, CaseIterable, Sendable {
  /// max_c p_c (from 1/C to 1).
  case maxProbability = "max-probability"
  /// 1 − H(p) / log C: 0 for a uniform prediction, 1 for a one-hot one.
  case entropy

  /// Certainty of each row of `probabilities`.
  public func callAsFunction(_ probabilities: Tensor) -> Tensor {
    switch self {
    case .maxProbability:
      return probabilities.amax(1)
    case .entropy:
      return 1 - Uncertainty.entropy(probabilities) / Foundation.log(Double(probabilities.size(1)))
    }
  }
}

/// Entropy of each row of `probabilities` [batch, classes] in nats (0 · log 0 = 0).
public func entropy(_ probabilities: Tensor) -> Tensor {
  -(probabilities * probabilities.clamp(min: 1e-12).log()).sum(1)
}

/// A network's logits turned into class probabilities with a softmax: the usual classifier,
/// and the member of a deep ensemble.
public final class SoftmaxClassifier: Module, UncertaintyClassifier {
  /// Maps inputs to logits [batch, classes].
  public let network: any UnaryLayer
  public var certaintyMeasure: CertaintyMeasure

  public init(_ network: any UnaryLayer, certaintyMeasure: CertaintyMeasure = .entropy) {
    self.network = network
    self.certaintyMeasure = certaintyMeasure
  }

  /// Logits [batch, classes].
  public func callAsFunction(_ x: Tensor) -> Tensor { network(x) }

  /// Class probabilities [batch, classes].
  public func probabilities(_ x: Tensor) -> Tensor { self(x).softmax(dim: 1) }

  /// Cross-entropy against int64 class indices [batch].
  public func loss(_ x: Tensor, labels: Tensor) -> Tensor { crossEntropy(logits: self(x), targets: labels) }

  /// Most probable class and the certainty of the softmax output.
  public func predict(_ x: Tensor) -> Prediction {
    withNoGrad { predictive(probabilities(x), certaintyMeasure) }
  }
}

/// Deep ensemble (Lakshminarayanan, Pritzel and Blundell, 2017): independently initialised
/// and trained softmax classifiers whose predictive distribution is their mean probability.
public final class DeepEnsemble: Module, UncertaintyClassifier {
  public let members: [SoftmaxClassifier]
  public var certaintyMeasure: CertaintyMeasure

  /// `count` members built by `makeMember`, libtorch's generator seeded with `seed + i` before
  /// member i, so each starts from its own reproducible initialisation.
  public init(count: Int, seed: UInt64, certaintyMeasure: CertaintyMeasure = .entropy, makeMember: () -> SoftmaxClassifier) {
    precondition(count > 0, "an ensemble needs at least one member")
    members = (0..<count).map { i in
      Torch.manualSeed(seed &+ UInt64(i))
      return makeMember()
    }
    self.certaintyMeasure = certaintyMeasure
  }

  /// Mean of the members' class probabilities [batch, classes].
  public func probabilities(_ x: Tensor) -> Tensor {
    Tensor.stack(members.map { $0.probabilities(x) }).mean(0)
  }

  /// Most probable class under the mean prediction and its certainty.
  public func predict(_ x: Tensor) -> Prediction {
    withNoGrad { predictive(probabilities(x), certaintyMeasure) }
  }
}

/// Argmax class and certainty of a predictive distribution.
func predictive(_ probabilities: Tensor, _ measure: CertaintyMeasure) -> Prediction {
  Prediction(classes: probabilities.argmax(dim: 1), certainty: measure(probabilities))
}
