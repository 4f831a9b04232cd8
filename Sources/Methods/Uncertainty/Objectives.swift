import NN
import Torch
import Training

/// DUQ's step (van Amersfoort et al. 2020, Algorithm 1): one optimiser step on BCE plus the
/// gradient penalty, then the exponential-moving-average update of the class centroids.
extension DUQ: Objective {
  public func step(_ batch: LabelledBatch, optimizers: Optimizers) -> LossTerms {
    train()
    let targets = batch.labels.oneHot(classes: configuration.classes).to(batch.x.dtype)
    let loss = loss(batch.x, oneHot: targets)
    optimizers.minimize(loss.total)
    updateCentroids(batch.x, oneHot: targets)
    return ["loss": loss.total.item(), "bce": loss.bce.item(), "gradient_penalty": loss.gradientPenalty.item()]
  }
}

/// A classifier trained by minimising one loss of labelled batches.
public protocol SupervisedClassifier: Module, Objective where Batch == LabelledBatch {
  /// The training loss of a batch (labels int64 [batch]).
  func loss(_ x: Tensor, labels: Tensor) -> Tensor
}

extension SupervisedClassifier {
  /// One optimiser step of `loss` (in training mode).
  public func step(_ batch: LabelledBatch, optimizers: Optimizers) -> LossTerms {
    train()
    let value = loss(batch.x, labels: batch.labels)
    optimizers.minimize(value)
    return ["loss": value.item()]
  }
}

extension SoftmaxClassifier: SupervisedClassifier {}
extension MCDropoutClassifier: SupervisedClassifier {}
extension BeliefMatchingClassifier: SupervisedClassifier {}

/// Every member steps on its own batch with one optimiser over all members: SGD and Adam
/// update each parameter from its own gradient alone, so this is the same as training each
/// member separately, in one pass per batch. The batch is one labelled batch per member
/// (`IndependentStreams`, one shuffle of the data each).
extension DeepEnsemble: Objective {
  public func step(_ batch: [LabelledBatch], optimizers: Optimizers) -> LossTerms {
    precondition(batch.count == members.count, "\(batch.count) batches for \(members.count) members")
    train()
    let losses = zip(members, batch).map { $0.loss($1.x, labels: $1.labels) }
    let total = losses.dropFirst().reduce(losses[0], +)
    optimizers.minimize(total)
    return ["loss": total.item() / Double(members.count)]
  }
}
