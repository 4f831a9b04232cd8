import NN
import Torch
import Training

/// The rotation pretext task without a lens (Gidaris, Singh and Komodakis, "Unsupervised
/// representation learning by predicting image rotations", ICLR 2018; the pretext of Minderer
/// et al.'s shortcut experiments): F predicts which of the M rotations each copy went through,
/// CE(F(t_j x), j) over all copies, one optimiser. The baseline the lens is compared against.
public final class RotationPredictionObjective<Features: UnaryLayer>: Objective {
  public let model: PretextNetwork<Features>

  public init(_ model: PretextNetwork<Features>) { self.model = model }

  public var module: Module { model }

  public func loss(_ batch: TransformedCopiesBatch) -> Tensor {
    crossEntropy(logits: model(batch.x), targets: batch.transformations)
  }

  public func step(_ batch: TransformedCopiesBatch, optimizers: Optimizers) throws -> LossTerms {
    let pretext = loss(batch)
    optimizers.minimize(pretext)
    return ["pretext": pretext.item()]
  }
}

/// A linear probe: a linear classifier trained on frozen features with cross-entropy, the
/// protocol by which Minderer et al. (and Gidaris et al.) judge a pretext task's
/// representation. The features are computed once and passed as the batch's points.
public final class LinearProbe: Module, Objective {
  public let classifier: Linear

  public init(features: Int, classes: Int) {
    precondition(features > 0 && classes > 1, "a probe maps ≥ 1 features to ≥ 2 classes, got \(features) → \(classes)")
    classifier = Linear(features, classes)
  }

  public var module: Module { self }

  /// Logits [N, classes] of features [N, features].
  public func callAsFunction(_ features: Tensor) -> Tensor { classifier(features) }

  public func step(_ batch: LabelledBatch, optimizers: Optimizers) throws -> LossTerms {
    let loss = crossEntropy(logits: self(batch.x), targets: batch.labels)
    optimizers.minimize(loss)
    return ["loss": loss.item()]
  }
}
