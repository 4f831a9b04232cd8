import Foundation
import NN
import Testing
import Torch

@Suite struct DistributionTests {
  let fixture: ReferenceFixture
  init() throws { fixture = try ReferenceFixture.load() }

  // MARK: Against PyTorch

  @Test func normalMatchesPyTorch() throws {
    let normal = Normal(mean: try fixture.input("normal_mean"), std: try fixture.input("normal_std"))
    let value = try fixture.input("normal_value")
    fixture.check(normal.logProb(value), "normal_log_prob")
    fixture.check(normal.cdf(value), "normal_cdf")
    fixture.check(normal.entropy(), "normal_entropy")
    let other = Normal(mean: try fixture.input("other_mean"), std: try fixture.input("other_std"))
    fixture.check(klDivergence(normal, other), "normal_kl")

    let grid = Normal(mean: try fixture.input("column_mean"), std: try fixture.input("row_std"))
    fixture.check(grid.logProb(try fixture.input("grid_value")), "normal_broadcast_log_prob")
    fixture.check(grid.cdf(try fixture.input("grid_value")), "normal_broadcast_cdf")

    let mean = try fixture.input("normal_mean").requiringGrad()
    let std = try fixture.input("normal_std").requiringGrad()
    Normal(mean: mean, std: std).logProb(value).sum().backward()
    fixture.check(try #require(mean.grad), "normal_log_prob_grad_mean")
    fixture.check(try #require(std.grad), "normal_log_prob_grad_std")
  }

  @Test func categoricalMatchesPyTorch() throws {
    let categorical = Categorical(logits: try fixture.input("categorical_logits"))
    fixture.check(categorical.logProb(try fixture.input("categorical_value", dtype: .int64)), "categorical_log_prob")
    fixture.check(categorical.entropy(), "categorical_entropy")
    fixture.check(categorical.probabilities, "categorical_probabilities")
    // The same distribution from its probabilities.
    let fromProbabilities = Categorical(probabilities: categorical.probabilities)
    fixture.check(fromProbabilities.entropy(), "categorical_entropy")
  }

  @Test func dirichletMatchesPyTorch() throws {
    let concentration = try fixture.input("concentration")
    let dirichlet = Dirichlet(concentration: concentration)
    fixture.check(dirichlet.logProb(try fixture.input("simplex_value")), "dirichlet_log_prob")
    fixture.check(dirichlet.entropy(), "dirichlet_entropy")
    fixture.check(dirichlet.mean, "dirichlet_mean")
    let other = Dirichlet(concentration: try fixture.input("other_concentration"))
    fixture.check(klDivergence(dirichlet, other), "dirichlet_kl")
    let alpha = concentration.requiringGrad()
    klDivergence(Dirichlet(concentration: alpha), other).sum().backward()
    fixture.check(try #require(alpha.grad), "dirichlet_kl_grad")
  }

  // MARK: Closed forms

  @Test func normalKLClosedForm() {
    // KL(N(μ1, σ1²) ‖ N(μ2, σ2²)) = log(σ2/σ1) + (σ1² + (μ1 − μ2)²) / (2σ2²) − ½.
    let (m1, s1, m2, s2) = ([0.0, 1, -3], [1.0, 0.2, 4], [0.0, -1, 2], [1.0, 3, 0.5])
    let p = Normal(mean: Tensor(m1, dtype: .float64), std: Tensor(s1, dtype: .float64))
    let q = Normal(mean: Tensor(m2, dtype: .float64), std: Tensor(s2, dtype: .float64))
    let expected = (0..<3).map { i in normalKL(m1[i], s1[i], m2[i], s2[i]) }
    #expect(isClose(klDivergence(p, q).toArray(Double.self), expected, tolerance: 1e-12))
    #expect(klDivergence(p, p).toArray(Double.self).allSatisfy { Swift.abs($0) < 1e-12 })
    // Entropy ½ log(2πeσ²) and the standard normal CDF at 0 and 1.96.
    let standard = Normal(mean: Tensor.zeros([2], dtype: .float64), std: Tensor.ones([2], dtype: .float64))
    #expect(isClose(standard.entropy().toArray(Double.self), [0.5 * Foundation.log(2 * Double.pi * M_E), 0.5 * Foundation.log(2 * Double.pi * M_E)], tolerance: 1e-12))
    #expect(isClose(standard.cdf(Tensor([0, 1.96], dtype: .float64)).toArray(Double.self), [0.5, 0.9750021048517795], tolerance: 1e-12))
  }

  @Test func dirichletKLClosedForm() {
    // For Dir(α) against the flat Dir(1, …, 1): KL = −H(Dir(α)) − log Γ(K)... written out:
    // KL = log Γ(α₀) − Σ log Γ(αᵢ) − log Γ(K) + Σ (αᵢ − 1)(ψ(αᵢ) − ψ(α₀)).
    let alpha = [2.0, 3.0, 0.5]
    let expected = dirichletKLFromFlat(alpha)
    let p = Dirichlet(concentration: Tensor(alpha, dtype: .float64))
    let flat = Dirichlet(concentration: Tensor.ones([3], dtype: .float64))
    #expect(Swift.abs(klDivergence(p, flat).item() - expected) < 1e-10)
    #expect(Swift.abs(klDivergence(p, p).item()) < 1e-12)
    // The flat Dirichlet on K = 3 is uniform on the simplex: density 2, entropy −log 2.
    #expect(Swift.abs(flat.logProb(Tensor([0.2, 0.3, 0.5], dtype: .float64)).item() - Foundation.log(2.0)) < 1e-12)
    #expect(Swift.abs(flat.entropy().item() + Foundation.log(2.0)) < 1e-12)
  }

  // MARK: Sampling

  @Test func normalRsampleMomentsAndGradients() throws {
    Torch.manualSeed(11)
    let n = 100_000
    let mean = Tensor.full([n], 1.5, dtype: .float64).requiringGrad()
    let std = Tensor.full([n], 0.5, dtype: .float64).requiringGrad()
    let draws = Normal(mean: mean, std: std).rsample()
    #expect(draws.dtype == .float64)
    #expect(draws.shape == [n])
    // Standard errors: 0.5/√n ≈ 0.0016 for the mean, ≈ 0.0011 for the std; allow ~5σ.
    #expect(Swift.abs(draws.mean().item() - 1.5) < 0.008)
    #expect(Swift.abs(draws.std().item() - 0.5) < 0.006)
    // Skewness near 0 and kurtosis near 3.
    let z = (draws.detach() - 1.5) / 0.5
    #expect(Swift.abs(z.pow(3).mean().item()) < 0.05)
    #expect(Swift.abs(z.pow(4).mean().item() - 3) < 0.1)
    // Reparameterised: d(draw)/d(mean) = 1, d(draw)/d(std) = ε.
    draws.sum().backward()
    #expect(try #require(mean.grad).toArray(Double.self).allSatisfy { $0 == 1 })
    #expect(isClose(try #require(std.grad).toArray(Double.self), z.toArray(Double.self), tolerance: 1e-9))
    // sample() is cut off from the graph; broadcasting gives the joint shape.
    #expect(!Normal(mean: mean, std: std).sample().requiresGrad)
    let grid = Normal(mean: Tensor.zeros([2, 1]), std: Tensor.ones([3]))
    #expect(grid.rsample().shape == [2, 3])
  }

  @Test func dirichletRsampleMean() throws {
    Torch.manualSeed(5)
    let alpha: [Double] = [2, 5, 1]
    let n = 20_000
    let concentration = Tensor(alpha, dtype: .float64).unsqueeze(0).expand(n, 3).contiguous().requiringGrad()
    let draws = Dirichlet(concentration: concentration).rsample()
    #expect(draws.shape == [n, 3])
    // Draws lie on the simplex.
    #expect(isClose(draws.sum(1).toArray(Double.self), Array(repeating: 1, count: n), tolerance: 1e-12))
    #expect(draws.min().item() >= 0)
    // E[p] = α/α₀ = (0.25, 0.625, 0.125); sd of each mean below 0.003 here.
    let empirical = draws.mean(0).toArray(Double.self)
    #expect(isClose(empirical, [0.25, 0.625, 0.125], tolerance: 0.012), "\(empirical)")
    // Var(pᵢ) = αᵢ(α₀ − αᵢ) / (α₀²(α₀ + 1)).
    let variances = draws.variance(0).toArray(Double.self)
    let expectedVariances = alpha.map { $0 * (8 - $0) / (64 * 9) }
    // Within 5% (relative; the sampling error of each variance is about 1%).
    let relative = zip(variances, expectedVariances).map { Swift.abs($0 - $1) / $1 }
    #expect(relative.allSatisfy { $0 < 0.05 }, "\(variances) vs \(expectedVariances)")
    // Differentiable in the concentration.
    draws[.all, 0].mean().backward()
    #expect(try #require(concentration.grad).isFinite().all().item() == 1)
    #expect(!Dirichlet(concentration: concentration).sample().requiresGrad)
  }

  @Test func categoricalSampleFrequencies() {
    Torch.manualSeed(3)
    let categorical = Categorical(probabilities: Tensor([0.1, 0.6, 0.3] as [Double], dtype: .float64).expand(5000, 3))
    let draws = categorical.sample()
    #expect(draws.shape == [5000])
    let counts = draws.oneHot(classes: 3).sum(0).toArray(Double.self).map { $0 / 5000 }
    #expect(isClose(counts, [0.1, 0.6, 0.3], tolerance: 0.03), "\(counts)")
  }
}

/// ψ(x) by recurrence and the asymptotic series (for the closed-form check).
private func digamma(_ x: Double) -> Double {
  var x = x
  var result = 0.0
  while x < 6 {
    result -= 1 / x
    x += 1
  }
  let inv = 1 / x
  let inv2 = inv * inv
  return result + Foundation.log(x) - 0.5 * inv
    - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))))
}

/// KL(N(m1, s1²) ‖ N(m2, s2²)) for scalars.
private func normalKL(_ m1: Double, _ s1: Double, _ m2: Double, _ s2: Double) -> Double {
  let logRatio: Double = Foundation.log(s2 / s1)
  let spread: Double = s1 * s1 + (m1 - m2) * (m1 - m2)
  return logRatio + spread / (2 * s2 * s2) - 0.5
}

/// KL(Dir(α) ‖ Dir(1, …, 1)) for scalars.
private func dirichletKLFromFlat(_ alpha: [Double]) -> Double {
  let a0: Double = alpha.reduce(0, +)
  var result: Double = Foundation.lgamma(a0) - Foundation.lgamma(Double(alpha.count))
  for a in alpha {
    let term: Double = (a - 1) * (digamma(a) - digamma(a0))
    result += term - Foundation.lgamma(a)
  }
  return result
}
