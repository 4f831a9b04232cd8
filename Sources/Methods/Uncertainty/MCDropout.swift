import NN
import Torch

/// Monte Carlo dropout (Gal and Ghahramani, 2016): a feature extractor, dropout and a linear
/// layer to logits, trained with cross-entropy; its prediction averages the softmax of
/// `samples` passes with dropout left on.
///
/// Dropout acts only before the last layer, so a prediction computes the features once (batch
/// norm in evaluation mode) and samples just the dropout mask and the last layer.
public final class MCDropoutClassifier<Features: UnaryLayer>: Module, UncertaintyClassifier {
  public let features: Features
  public let dropout: Dropout
  public let lastLayer: Linear
  /// Stochastic passes T averaged per prediction.
  public var samples: Int
  public var certaintyMeasure: CertaintyMeasure

  /// A head of `classes` logits on `features`, whose output has `featureSize` columns.
  public init(
    features: Features, featureSize: Int, classes: Int, dropout p: Double = 0.5, samples: Int = 20,
    certaintyMeasure: CertaintyMeasure = .maxProbability
  ) {
    precondition(samples > 0, "MC dropout needs at least one sample")
    self.features = features
    dropout = Dropout(p)
    lastLayer = Linear(featureSize, classes)
    self.samples = samples
    self.certaintyMeasure = certaintyMeasure
  }

  /// Logits [batch, classes] of one pass; dropout is active in training mode only.
  public func callAsFunction(_ x: Tensor) -> Tensor { lastLayer(dropout(features(x))) }

  /// Cross-entropy against int64 class indices [batch].
  public func loss(_ x: Tensor, labels: Tensor) -> Tensor { crossEntropy(logits: self(x), targets: labels) }

  /// Mean class probabilities [batch, classes] over `samples` passes with dropout on, or one
  /// deterministic pass (dropout's expectation) with `dropout: false`; no gradients.
  public func probabilities(_ x: Tensor, dropout sampling: Bool = true) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return withNoGrad {
      let h = features(x)
      guard sampling else { return lastLayer(h).softmax(dim: 1) }
      dropout.train()
      let passes = (0..<samples).map { _ in lastLayer(dropout(h)).softmax(dim: 1) }
      return Tensor.stack(passes).mean(0)
    }
  }

  /// Most probable class under the MC average and its certainty.
  public func predict(_ x: Tensor) -> Prediction { predictive(probabilities(x), certaintyMeasure) }

}
