import Foundation
import Torch

/// Exact Gaussian-process regression with Gaussian observation noise, batched over tasks.
///
/// Shapes: x [B, N, D], y [B, N, 1]. Padded points (mask 0) are excluded exactly: their
/// covariance rows are replaced by the identity, so they neither inform nor perturb the
/// real points. Computations run in float64.
public struct GaussianProcess {
  public var kernel: Kernel
  /// Observation noise variance σ²ₙ.
  public var noiseVariance: Double
  /// Added to the diagonal for a stable Cholesky factor.
  public var jitter = 1e-8

  public init(kernel: Kernel, noiseVariance: Double) {
    self.kernel = kernel
    self.noiseVariance = noiseVariance
  }

  /// The noisy training covariance with padded points decoupled: [B, N, N].
  func trainingCovariance(_ x: Tensor, mask: Tensor?) -> Tensor {
    let n = x.size(1)
    let identity = Tensor.eye(n, dtype: .float64).unsqueeze(0)
    var k = kernel(x, x) + identity * (noiseVariance + jitter)
    if let mask {
      let keep = mask.unsqueeze(-1) * mask.unsqueeze(1)  // 1 where both points are real
      k = k * keep + identity * (1 - mask).unsqueeze(-1)
    }
    return k
  }

  /// Posterior mean and variance of f (without noise) at `query` [B, M, D] given the context.
  public func posterior(x: Tensor, y: Tensor, mask: Tensor? = nil, query: Tensor) -> (mean: Tensor, variance: Tensor) {
    let (x, y, query) = (x.to(.float64), y.to(.float64), query.to(.float64))
    let mask = mask?.to(.float64)
    let factor = trainingCovariance(x, mask: mask).cholesky()
    var cross = kernel(x, query)  // [B, N, M]
    var targets = y
    if let mask {
      cross = cross * mask.unsqueeze(-1)
      targets = targets * mask.unsqueeze(-1)
    }
    let alpha = targets.choleskySolve(factor: factor)  // K⁻¹ y
    let mean = cross.mT.matmul(alpha)  // [B, M, 1]
    let v = factor.solveTriangular(cross, upper: false)  // L⁻¹ K*
    let prior = Tensor.full([query.size(0), query.size(1)], kernel.scale * kernel.scale, dtype: .float64)
    let variance = (prior - v.square().sum(1)).clamp(min: 0)
    return (mean, variance.unsqueeze(-1))
  }

  /// Predictive log-density of each query observation, log N(y | μ, σ² + σ²ₙ): [B, M].
  public func predictiveLogLikelihood(
    x: Tensor, y: Tensor, mask: Tensor? = nil, queryX: Tensor, queryY: Tensor
  ) -> Tensor {
    let (mean, variance) = posterior(x: x, y: y, mask: mask, query: queryX)
    let total = variance + noiseVariance
    let residual = queryY.to(.float64) - mean
    return (-0.5 * (residual.square() / total + total.log() + Foundation.log(2 * Double.pi))).squeeze(-1)
  }

  /// Log marginal likelihood log p(y | x) of each task's real points: [B].
  public func logMarginalLikelihood(x: Tensor, y: Tensor, mask: Tensor? = nil) -> Tensor {
    GaussianProcess.logMarginalLikelihood(
      x: x.to(.float64), y: y.to(.float64), mask: mask?.to(.float64), family: kernel.family,
      lengthscale: Tensor(kernel.lengthscale, dtype: .float64), scale: Tensor(kernel.scale, dtype: .float64),
      noiseVariance: Tensor(noiseVariance, dtype: .float64), period: kernel.period, jitter: jitter)
  }

  /// The log marginal likelihood as a differentiable function of tensor hyperparameters.
  static func logMarginalLikelihood(
    x: Tensor, y: Tensor, mask: Tensor?, family: KernelFamily, lengthscale: Tensor, scale: Tensor,
    noiseVariance: Tensor, period: Double, jitter: Double
  ) -> Tensor {
    let n = x.size(1)
    let identity = Tensor.eye(n, dtype: .float64).unsqueeze(0)
    var k = Kernel.covariance(family, x, x, lengthscale: lengthscale, scale: scale, period: period)
      + identity * (noiseVariance + jitter)
    var targets = y
    if let mask {
      k = k * (mask.unsqueeze(-1) * mask.unsqueeze(1)) + identity * (1 - mask).unsqueeze(-1)
      targets = y * mask.unsqueeze(-1)
    }
    let factor = k.cholesky()
    let whitened = factor.solveTriangular(targets, upper: false)  // L⁻¹ y
    let logDeterminant = 2 * factor.diagonal().log().sum(-1)  // padded diagonals are 1: log 1 = 0
    let count = mask?.sum(1) ?? Tensor.full([x.size(0)], Double(n), dtype: .float64)
    return -0.5 * (whitened.square().sum(-1).sum(-1) + logDeterminant + count * Foundation.log(2 * Double.pi))
  }

  /// `count` joint draws of the posterior of f at `query` [B, M, D]: [count, B, M].
  public func posteriorSamples(x: Tensor, y: Tensor, mask: Tensor? = nil, query: Tensor, count: Int) -> Tensor {
    let (x, y, query) = (x.to(.float64), y.to(.float64), query.to(.float64))
    let mask = mask?.to(.float64)
    let factor = trainingCovariance(x, mask: mask).cholesky()
    var cross = kernel(x, query)
    var targets = y
    if let mask {
      cross = cross * mask.unsqueeze(-1)
      targets = targets * mask.unsqueeze(-1)
    }
    let mean = cross.mT.matmul(targets.choleskySolve(factor: factor)).squeeze(-1)  // [B, M]
    let v = factor.solveTriangular(cross, upper: false)
    let m = query.size(1)
    let covariance = kernel(query, query) - v.mT.matmul(v) + Tensor.eye(m, dtype: .float64) * 1e-6
    let root = covariance.cholesky()  // [B, M, M]
    let noise = Tensor.randn([count, query.size(0), m, 1], dtype: .float64)
    return mean.unsqueeze(0) + root.unsqueeze(0).matmul(noise).squeeze(-1)
  }

  /// `count` joint draws from the prior at x [B, N, D], plus observation noise: [count, B, N].
  public func priorSamples(at x: Tensor, count: Int, withNoise: Bool = true) -> Tensor {
    let x = x.to(.float64)
    let n = x.size(1)
    let k = kernel(x, x) + Tensor.eye(n, dtype: .float64) * (1e-6 + (withNoise ? noiseVariance : 0))
    let root = k.cholesky()
    return root.unsqueeze(0).matmul(Tensor.randn([count, x.size(0), n, 1], dtype: .float64)).squeeze(-1)
  }
}
