import Foundation
import Torch

/// Independent Gaussians with elementwise mean and standard deviation (broadcast together).
public struct Normal {
  public let mean: Tensor
  public let std: Tensor

  public init(mean: Tensor, std: Tensor) {
    self.mean = mean
    self.std = std
  }

  public var variance: Tensor { std.square() }

  /// log N(value | mean, std²), elementwise.
  public func logProb(_ value: Tensor) -> Tensor {
    -((value - mean).square() / (2 * variance)) - std.log() - 0.5 * Foundation.log(2 * Double.pi)
  }

  /// P(X ≤ value), elementwise.
  public func cdf(_ value: Tensor) -> Tensor {
    0.5 * (1 + ((value - mean) / (std * 2.0.squareRoot())).erf())
  }

  /// A reparameterised draw mean + std·ε: gradients flow to mean and std.
  public func rsample() -> Tensor {
    mean + std * Tensor.randn(broadcastShape, dtype: mean.dtype)
  }

  /// A draw without gradients.
  public func sample() -> Tensor { withNoGrad { rsample() } }

  /// Entropy ½ log(2πe σ²), elementwise.
  public func entropy() -> Tensor { std.log() + 0.5 * (1 + Foundation.log(2 * Double.pi)) }

  var broadcastShape: [Int] { (mean + std).shape }
}

/// KL(p ‖ q) between elementwise Gaussians, in closed form.
public func klDivergence(_ p: Normal, _ q: Normal) -> Tensor {
  let ratio = (p.std / q.std).square()
  return 0.5 * (ratio + ((p.mean - q.mean) / q.std).square() - 1 - ratio.log())
}
