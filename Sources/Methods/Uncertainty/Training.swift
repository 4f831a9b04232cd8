import NN
import Torch

/// Epochs of shuffled mini-batches over a labelled set, with progress on standard error.
///
/// Each epoch draws a permutation from libtorch's generator (seed it for a reproducible run)
/// and drops the last partial batch, as the reference code's `DataLoader(drop_last=True)` does.
public struct MiniBatchEpochs {
  public var batchSize: Int
  public var epochs: Int
  /// Prefix of the progress lines.
  public var label: String

  public init(batchSize: Int, epochs: Int, label: String = "train") {
    precondition(batchSize > 0 && epochs > 0, "batch size and epochs must be positive")
    self.batchSize = batchSize
    self.epochs = epochs
    self.label = label
  }

  /// Calls `step(x, labels)` on every batch of `points` [n, ...] and `labels` [n]; `step`
  /// returns the batch's loss for the progress line. Returns the seconds taken.
  @discardableResult
  public func run(points: Tensor, labels: Tensor, step: (Tensor, Tensor) -> Double) -> Double {
    let batches = points.size(0) / batchSize
    precondition(batches > 0, "\(points.size(0)) points make no full batch of \(batchSize)")
    let progress = ProgressReporter(totalSteps: epochs * batches, label: label)
    for epoch in 0..<epochs {
      let order = Tensor.randperm(points.size(0))
      for b in 0..<batches {
        let index = order[(b * batchSize)..<((b + 1) * batchSize)]
        let loss = step(points.indexSelect(dim: 0, index: index), labels.indexSelect(dim: 0, index: index))
        progress.update(step: epoch * batches + b + 1, loss: loss, extra: "epoch \(epoch + 1)/\(epochs)")
      }
    }
    return progress.elapsedSeconds
  }
}

extension DUQ {
  /// One optimiser step on a batch (labels int64 [batch]) followed by the centroid update;
  /// returns the loss before the step.
  @discardableResult
  public func trainingStep(_ x: Tensor, labels: Tensor, optimizer: Optimizer) -> DUQLoss {
    train()
    let targets = labels.oneHot(classes: configuration.classes).to(x.dtype)
    optimizer.zeroGrad()
    let loss = loss(x, oneHot: targets)
    loss.total.backward()
    optimizer.step()
    updateCentroids(x, oneHot: targets)
    return loss
  }
}

/// A classifier trained by minimising one loss of (inputs, labels) batches.
public protocol SupervisedClassifier: Module {
  /// The training loss of a batch (labels int64 [batch]).
  func loss(_ x: Tensor, labels: Tensor) -> Tensor
}

extension SupervisedClassifier {
  /// One optimiser step of `loss` on a batch (in training mode); returns the loss.
  @discardableResult
  public func trainingStep(_ x: Tensor, labels: Tensor, optimizer: Optimizer) -> Double {
    train()
    optimizer.zeroGrad()
    let value = loss(x, labels: labels)
    value.backward()
    optimizer.step()
    return value.item()
  }
}

extension SoftmaxClassifier: SupervisedClassifier {}
extension MCDropoutClassifier: SupervisedClassifier {}
extension BeliefMatchingClassifier: SupervisedClassifier {}
