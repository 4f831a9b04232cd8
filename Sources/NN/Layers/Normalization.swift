import Torch

/// Batch normalisation over dimension 1 of [N, C] or [N, C, L] (`BatchNorm1d`) and
/// [N, C, H, W] (`BatchNorm2d`): batch statistics in training, running statistics in evaluation.
public class BatchNorm: Module, UnaryLayer {
  public let weight: Tensor?
  public let bias: Tensor?
  @Buffer public var runningMean: Tensor
  @Buffer public var runningVar: Tensor
  @Buffer public var numBatchesTracked: Tensor
  public let momentum: Double
  public let eps: Double
  let expectedRanks: Set<Int>

  init(_ features: Int, eps: Double, momentum: Double, affine: Bool, expectedRanks: Set<Int>) {
    weight = affine ? Init.ones([features]) : nil
    bias = affine ? Init.zeros([features]) : nil
    runningMean = Tensor.zeros([features])
    runningVar = Tensor.ones([features])
    numBatchesTracked = Tensor.zeros([], dtype: .int64)
    self.momentum = momentum
    self.eps = eps
    self.expectedRanks = expectedRanks
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(expectedRanks.contains(x.rank), "\(type(of: self)) expects an input of rank \(expectedRanks.sorted()), got \(x.shape)")
    if isTraining { withNoGrad { numBatchesTracked.add_(1) } }
    return batchNorm(
      x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias, training: isTraining,
      momentum: momentum, eps: eps)
  }
}

/// Batch normalisation of [N, C] or [N, C, L].
public final class BatchNorm1d: BatchNorm {
  public init(_ features: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true) {
    super.init(features, eps: eps, momentum: momentum, affine: affine, expectedRanks: [2, 3])
  }
}

/// Batch normalisation of [N, C, H, W].
public final class BatchNorm2d: BatchNorm {
  public init(_ features: Int, eps: Double = 1e-5, momentum: Double = 0.1, affine: Bool = true) {
    super.init(features, eps: eps, momentum: momentum, affine: affine, expectedRanks: [4])
  }
}

/// Group normalisation: channels split into groups, each normalised over its channels and positions.
public final class GroupNorm: Module, UnaryLayer {
  public let groups: Int
  public let weight: Tensor?
  public let bias: Tensor?
  public let eps: Double

  public init(groups: Int, channels: Int, eps: Double = 1e-5, affine: Bool = true) {
    precondition(channels % groups == 0, "GroupNorm: \(channels) channels do not split into \(groups) groups")
    self.groups = groups
    weight = affine ? Init.ones([channels]) : nil
    bias = affine ? Init.zeros([channels]) : nil
    self.eps = eps
  }

  public func callAsFunction(_ x: Tensor) -> Tensor { groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps) }
}

/// Layer normalisation over the trailing `normalizedShape` dimensions.
public final class LayerNorm: Module, UnaryLayer {
  public let normalizedShape: [Int]
  public let weight: Tensor?
  public let bias: Tensor?
  public let eps: Double

  public init(_ normalizedShape: [Int], eps: Double = 1e-5, affine: Bool = true) {
    self.normalizedShape = normalizedShape
    weight = affine ? Init.ones(normalizedShape) : nil
    bias = affine ? Init.zeros(normalizedShape) : nil
    self.eps = eps
  }

  public convenience init(_ size: Int, eps: Double = 1e-5) { self.init([size], eps: eps) }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    layerNorm(x, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
  }
}
