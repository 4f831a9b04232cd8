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
    let identity = Tensor.eye(x.size(1), dtype: .float64).unsqueeze(0)
    return GaussianProcess.decoupled(kernel(x, x) + identity * (noiseVariance + jitter), mask: mask)
  }

  /// A training covariance whose padded points (mask 0) get identity rows and columns, so
  /// they neither inform nor perturb the real points and add log 1 = 0 to the determinant.
  static func decoupled(_ covariance: Tensor, mask: Tensor?) -> Tensor {
    guard let mask else { return covariance }
    let identity = Tensor.eye(covariance.size(-1), dtype: .float64).unsqueeze(0)
    let keep = mask.unsqueeze(-1) * mask.unsqueeze(1)  // 1 where both points are real
    return covariance * keep + identity * (1 - mask).unsqueeze(-1)
  }

  /// The posterior mean [B, M, 1] at `query` and L⁻¹K(x, query) [B, N, M], with L the training
  /// covariance's Cholesky factor: what the posterior's moments and draws are built from.
  func conditioned(x: Tensor, y: Tensor, mask: Tensor?, query: Tensor) -> (mean: Tensor, whitenedCross: Tensor) {
    let factor = trainingCovariance(x, mask: mask).cholesky()
    var cross = kernel(x, query)  // [B, N, M]
    var targets = y
    if let mask {
      cross = cross * mask.unsqueeze(-1)
      targets = targets * mask.unsqueeze(-1)
    }
    let mean = cross.mT.matmul(targets.choleskySolve(factor: factor))  // K*ᵀ K⁻¹ y
    return (mean, factor.solveTriangular(cross, upper: false))
  }

  /// Posterior mean and variance of f (without noise) at `query` [B, M, D] given the context.
  public func posterior(x: Tensor, y: Tensor, mask: Tensor? = nil, query: Tensor) -> (mean: Tensor, variance: Tensor) {
    let query = query.to(.float64)
    let (mean, v) = conditioned(x: x.to(.float64), y: y.to(.float64), mask: mask?.to(.float64), query: query)
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
    let k = Kernel.covariance(family, x, x, lengthscale: lengthscale, scale: scale, period: period)
      + identity * (noiseVariance + jitter)
    let targets = mask.map { y * $0.unsqueeze(-1) } ?? y
    let factor = decoupled(k, mask: mask).cholesky()
    let whitened = factor.solveTriangular(targets, upper: false)  // L⁻¹ y
    let logDeterminant = 2 * factor.diagonal().log().sum(-1)  // padded diagonals are 1: log 1 = 0
    let count = mask?.sum(1) ?? Tensor.full([x.size(0)], Double(n), dtype: .float64)
    return -0.5 * (whitened.square().sum(-1).sum(-1) + logDeterminant + count * Foundation.log(2 * Double.pi))
  }

  /// `count` joint draws of the posterior of f at `query` [B, M, D]: [count, B, M].
  public func posteriorSamples(x: Tensor, y: Tensor, mask: Tensor? = nil, query: Tensor, count: Int) -> Tensor {
    let query = query.to(.float64)
    let (conditionedMean, v) = conditioned(x: x.to(.float64), y: y.to(.float64), mask: mask?.to(.float64), query: query)
    let mean = conditionedMean.squeeze(-1)  // [B, M]
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
