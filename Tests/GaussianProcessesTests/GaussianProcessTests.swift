import Foundation
import GaussianProcesses
import Testing
import Torch

struct GaussianProcessTests {
  // Three points x = (−1, 0, 1), y = (0.5, −0.2, 0.3); EQ kernel l = 0.7, σ_f = 1.5; noise
  // variance 0.01. The expected numbers are m = k*ᵀ K⁻¹ y, v = σ_f² − k*ᵀ K⁻¹ k* and
  // log p(y) = −½ yᵀK⁻¹y − ½ log|K| − (3/2) log 2π, computed once with numpy.linalg.solve.
  let x = Tensor([-1, 0, 1], shape: [1, 3, 1], dtype: .float64)
  let y = Tensor([0.5, -0.2, 0.3], shape: [1, 3, 1], dtype: .float64)
  let process = GaussianProcess(kernel: Kernel(.eq, lengthscale: 0.7, scale: 1.5), noiseVariance: 0.01)

  @Test func posteriorMatchesHandComputedExample() {
    let query = Tensor([0.5, 2.0], shape: [1, 2, 1], dtype: .float64)
    let (mean, variance) = process.posterior(x: x, y: y, query: query)
    let m = mean.toArray(Double.self)
    let v = variance.toArray(Double.self)
    #expect(abs(m[0] - -0.02496258) < 1e-7 && abs(m[1] - 0.17569685) < 1e-7)
    #expect(abs(v[0] - 0.23689173) < 1e-7 && abs(v[1] - 1.92234719) < 1e-7)
    #expect(abs(process.logMarginalLikelihood(x: x, y: y).item() - -3.9767373533604076) < 1e-7)  // jitter 1e-8 on the diagonal
  }

  /// A padded point (mask 0) changes nothing.
  @Test func paddingIsExcludedExactly() {
    let padded = Tensor.cat([x, Tensor([7], shape: [1, 1, 1], dtype: .float64)], dim: 1)
    let paddedY = Tensor.cat([y, Tensor([100], shape: [1, 1, 1], dtype: .float64)], dim: 1)
    let mask = Tensor([1, 1, 1, 0], shape: [1, 4], dtype: .float64)
    let query = Tensor.linspace(-2, 2, steps: 9, dtype: .float64).reshape(1, 9, 1)
    let a = process.posterior(x: x, y: y, query: query)
    let b = process.posterior(x: padded, y: paddedY, mask: mask, query: query)
    #expect((a.mean - b.mean).abs().max().item() < 1e-10)
    #expect((a.variance - b.variance).abs().max().item() < 1e-10)
    let lml = process.logMarginalLikelihood(x: padded, y: paddedY, mask: mask).item()
    #expect(abs(lml - process.logMarginalLikelihood(x: x, y: y).item()) < 1e-10)
  }

  @Test func kernelsMatchClosedForms() {
    let a = Tensor([0.0], shape: [1, 1, 1], dtype: .float64)
    let b = Tensor([0.3], shape: [1, 1, 1], dtype: .float64)
    let (l, s, r) = (0.5, 2.0, 0.3)
    let expected: [KernelFamily: Double] = [
      .eq: s * s * exp(-r * r / (2 * l * l)),
      .matern52: s * s * (1 + 5.0.squareRoot() * r / l + 5 * r * r / (3 * l * l)) * exp(-5.0.squareRoot() * r / l),
      .matern32: s * s * (1 + 3.0.squareRoot() * r / l) * exp(-3.0.squareRoot() * r / l),
      .periodic: s * s * exp(-2 * pow(sin(Double.pi * r / 0.7), 2) / (l * l)),
    ]
    for (family, value) in expected {
      let k = Kernel(family, lengthscale: l, scale: s, period: 0.7)(a, b).item()
      #expect(abs(k - value) < 1e-9, "\(family)")
    }
  }

  /// Joint posterior draws have the posterior's mean and variance.
  @Test func posteriorSamplesHaveThePosteriorMoments() {
    Torch.manualSeed(0)
    let query = Tensor([-0.5, 0.5, 1.5], shape: [1, 3, 1], dtype: .float64)
    let (mean, variance) = process.posterior(x: x, y: y, query: query)
    let draws = process.posteriorSamples(x: x, y: y, query: query, count: 20000)  // [count, 1, 3]
    #expect((draws.mean(0) - mean.squeeze(-1)).abs().max().item() < 0.02)
    #expect((draws.variance(0) - variance.squeeze(-1)).abs().max().item() < 0.03)
  }

  /// Fitting recovers the lengthscale of data drawn from a known GP.
  @Test func fittingRecoversTheLengthscale() {
    Torch.manualSeed(1)
    let truth = GaussianProcess(kernel: Kernel(.eq, lengthscale: 0.4), noiseVariance: 0.01)
    let x = Tensor.uniform([1, 150, 1], low: -3, high: 3, dtype: .float64)
    let y = truth.priorSamples(at: x, count: 1)[0].unsqueeze(-1)
    let (fitted, lml) = GaussianProcess.fit(x: x, y: y, family: .eq, steps: 200)
    #expect(abs(fitted.kernel.lengthscale - 0.4) < 0.1, "fitted lengthscale \(fitted.kernel.lengthscale)")
    #expect(lml > truth.logMarginalLikelihood(x: x, y: y).item() - 1)
  }
}
