import NN
import Torch
import Training

/// The baselines SLA is compared against (Lee, Hwang and Shin, ICML 2020, Table 1), over the same
/// `TransformedCopiesBatch` of M transformed copies:
/// - `.plain`: cross-entropy on the untransformed copies only (trainers.py
///   `create_baseline_trainer`);
/// - `.dataAugmentation` (DA): every copy labelled with its image's class, so the classifier is
///   asked to be invariant to the transformations;
/// - `.multiTask` (MT): a separate M-way head predicts the transformation from the shared
///   features and the two cross-entropies are summed with weight β on the auxiliary one
///   (trainers.py `create_supervised_aug_trainer(joint=False)`: `CE(preds, labels) +
///   CE(aug_preds, aug_labels).mul(beta)`).
public final class RotationBaselineClassifier<Features: UnaryLayer>: Module {
  public enum Kind: String, Sendable, CaseIterable { case plain, dataAugmentation, multiTask }

  public let features: Features
  /// N-way class head.
  public let classifier: Linear
  /// M-way transformation head (used by MT only).
  public let transformationHead: Linear
  public let copies: Int

  public init(features: Features, featureSize: Int, classes: Int, copies: Int = 4) {
    self.features = features
    classifier = Linear(featureSize, classes)
    transformationHead = Linear(featureSize, copies)
    self.copies = copies
  }

  /// Class logits [batch, N].
  public func callAsFunction(_ x: Tensor) -> Tensor { classifier(features(x)) }
}

public final class RotationBaselineObjective<Features: UnaryLayer>: Objective {
  public let model: RotationBaselineClassifier<Features>
  public let kind: RotationBaselineClassifier<Features>.Kind
  /// MT's weight β on the transformation loss (1 in the official code).
  public var auxiliaryWeight: Double

  public init(_ model: RotationBaselineClassifier<Features>, kind: RotationBaselineClassifier<Features>.Kind, auxiliaryWeight: Double = 1) {
    self.model = model
    self.kind = kind
    self.auxiliaryWeight = auxiliaryWeight
  }

  public var module: Module { model }

  public func loss(_ batch: TransformedCopiesBatch) -> Tensor {
    precondition(batch.copies == model.copies, "a batch of \(batch.copies) copies for a baseline of \(model.copies)")
    switch kind {
    case .plain:
      return crossEntropy(logits: model(batch.x.slice(dim: 0, start: 0, step: batch.copies)), targets: batch.labels)
    case .dataAugmentation:
      return crossEntropy(logits: model(batch.x), targets: batch.copyLabels)
    case .multiTask:
      let h = model.features(batch.x)
      return crossEntropy(logits: model.classifier(h), targets: batch.copyLabels)
        + crossEntropy(logits: model.transformationHead(h), targets: batch.transformations) * auxiliaryWeight
    }
  }

  public func step(_ batch: TransformedCopiesBatch, optimizers: Optimizers) throws -> LossTerms {
    let l = loss(batch)
    optimizers.minimize(l)
    return ["loss": l.item()]
  }
}
