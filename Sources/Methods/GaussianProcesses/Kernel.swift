import Foundation
import Torch

/// Stationary covariance functions k(x, x') of a Gaussian process.
public enum KernelFamily: String, CaseIterable, Codable, Sendable {
  /// Exponentiated quadratic (RBF): σ² exp(−r² / 2l²).
  case eq
  /// Matérn-5/2: σ² (1 + √5 r/l + 5r²/3l²) exp(−√5 r/l).
  case matern52
  /// Matérn-3/2: σ² (1 + √3 r/l) exp(−√3 r/l).
  case matern32
  /// Periodic (ExpSineSquared): σ² exp(−2 sin²(π r / p) / l²).
  case periodic
}

/// A kernel with its hyperparameters (one set, or one per task when batched).
public struct Kernel: Codable, Sendable, Equatable {
  public var family: KernelFamily
  public var lengthscale: Double
  public var scale: Double
  /// Period of the periodic kernel.
  public var period: Double

  public init(_ family: KernelFamily, lengthscale: Double, scale: Double = 1, period: Double = 1) {
    self.family = family
    self.lengthscale = lengthscale
    self.scale = scale
    self.period = period
  }

  /// The same kernel on inputs multiplied by `factor`: length scales and the period scale with
  /// x, except the periodic kernel's lengthscale, which divides sin(πr/p) and has no units.
  public func rescaled(by factor: Double) -> Kernel {
    Kernel(family, lengthscale: family == .periodic ? lengthscale : lengthscale * factor, scale: scale, period: period * factor)
  }

  /// K [B, N, M] between x [B, N, D] and x' [B, M, D] (any float dtype).
  public func callAsFunction(_ x: Tensor, _ y: Tensor) -> Tensor {
    Kernel.covariance(
      family, x, y, lengthscale: Tensor(lengthscale, dtype: x.dtype), scale: Tensor(scale, dtype: x.dtype), period: period)
  }

  /// K [B, N, M] with per-task (or differentiable) hyperparameters broadcastable to [B, 1, 1].
  public static func covariance(
    _ family: KernelFamily, _ x: Tensor, _ y: Tensor, lengthscale: Tensor, scale: Tensor, period: Double = 1
  ) -> Tensor {
    let difference = x.unsqueeze(2) - y.unsqueeze(1)  // [B, N, M, D]
    let variance = scale.square()
    switch family {
    case .eq:
      let squared = difference.square().sum(-1)
      return variance * (-0.5 * squared / lengthscale.square()).exp()
    case .matern52, .matern32:
      // The gradient of √ at 0 is infinite: keep r² off zero by a hair.
      let r = (difference.square().sum(-1) + 1e-12).sqrt() / lengthscale
      if family == .matern52 {
        let s = 5.0.squareRoot() * r
        return variance * (1 + s + s.square() / 3) * (-s).exp()
      }
      let s = 3.0.squareRoot() * r
      return variance * (1 + s) * (-s).exp()
    case .periodic:
      let r = (difference.square().sum(-1) + 1e-12).sqrt()
      return variance * (-2 * (Double.pi * r / period).sin().square() / lengthscale.square()).exp()
    }
  }
}
