import Foundation
import Torch

/// A bijection of a normalising flow, y = f(x), that also gives log|det ∂f/∂x| of each example,
/// so the density of x follows from the change of variables:
/// log p(x) = log p_Z(f(x)) + log|det ∂f/∂x| (the change-of-variable formula, as Dinh,
/// Sohl-Dickstein and Bengio, "Density estimation using Real NVP", ICLR 2017, use it).
///
/// The batch is dimension 0; every other dimension belongs to one example. Unlike the official
/// FlowGMM code (flow_ssl, whose layers keep their last log-determinant in `self._logdet` for
/// a later `logdet()` call), the log-determinant is returned with the output, so no layer holds
/// state between calls.
public protocol InvertibleLayer: Module {
  /// f(x) and log|det ∂f/∂x| of each example, [N].
  func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor)
  /// f⁻¹(y).
  func inverse(_ y: Tensor) -> Tensor
}

/// A density p_Z on the latent space of a flow.
public protocol FlowBaseDensity {
  /// log p_Z(z) of each example, [N], for z [N, ...].
  func logProb(_ z: Tensor) -> Tensor
  /// `count` draws [count, ...].
  func sample(_ count: Int) -> Tensor
}

/// The standard normal N(0, I) on latents of shape `shape` (one example, no batch dimension).
public struct StandardNormalBase: FlowBaseDensity {
  public let shape: [Int]

  public init(shape: [Int]) {
    precondition(!shape.isEmpty && shape.allSatisfy { $0 > 0 }, "a latent shape needs positive sizes, got \(shape)")
    self.shape = shape
  }

  public func logProb(_ z: Tensor) -> Tensor {
    let dimensions = z.shape.dropFirst().reduce(1, *)
    return -0.5 * z.flatten(from: 1).square().sum(1) - 0.5 * Double(dimensions) * Foundation.log(2 * Double.pi)
  }

  public func sample(_ count: Int) -> Tensor { Tensor.randn([count] + shape) }
}

extension InvertibleLayer {
  /// f(x) without its log-determinant.
  public func callAsFunction(_ x: Tensor) -> Tensor { forward(x).output }

  /// log p(x) = log p_Z(f(x)) + log|det ∂f/∂x| of each example, [N].
  public func logProb(_ x: Tensor, base: some FlowBaseDensity) -> Tensor {
    let (z, logDet) = forward(x)
    return base.logProb(z) + logDet
  }

  /// `count` draws x = f⁻¹(z), z ~ p_Z, without gradient.
  public func sample(_ count: Int, base: some FlowBaseDensity) -> Tensor {
    precondition(count > 0, "sample needs a positive count, got \(count)")
    return withNoGrad { inverse(base.sample(count)) }
  }
}

/// Bits per dimension of a negative log-likelihood `nll` (nats per example) of data with
/// `dimensions` values per example, each quantised to `levels` values and scaled to [0, 1]:
/// (nll / D + log levels) / log 2 — the density of x / levels on [0, 1]ᴰ is levelsᴰ times the
/// density of the integer values, the correction the official FlowGMM code's FlowLoss applies
/// (`prior_ll - np.log(self.k) * np.prod(z.size()[1:])`, k = 256).
public func bitsPerDimension(nll: Double, dimensions: Int, levels: Int = 256) -> Double {
  precondition(dimensions > 0 && levels > 1, "bits per dimension need dimensions > 0 and levels > 1, got \(dimensions), \(levels)")
  return (nll / Double(dimensions) + Foundation.log(Double(levels))) / Foundation.log(2.0)
}
