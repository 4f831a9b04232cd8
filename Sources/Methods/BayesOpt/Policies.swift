import Foundation
import GaussianProcesses
import Torch

/// Chooses the next grid point to evaluate.
public protocol AcquisitionPolicy {
  /// The index into `grid` [1, M, 1] to evaluate next, given the evaluations so far (at least one).
  func propose(on grid: Tensor, given evaluations: Evaluations) -> Int
}

/// Thompson sampling for minimisation: draw one function from the surrogate's posterior and
/// evaluate where it is smallest. Already evaluated points may be chosen again, as in the NP paper.
public struct ThompsonSampling<Sampler: FunctionSampler>: AcquisitionPolicy {
  /// The surrogate whose posterior draws are minimised.
  public var sampler: Sampler

  /// Thompson sampling with `sampler`'s draws.
  public init(_ sampler: Sampler) { self.sampler = sampler }

  public func propose(on grid: Tensor, given evaluations: Evaluations) -> Int {
    Int(sampler.draw(on: grid, given: evaluations).argmin(dim: 0).item())
  }
}

/// Expected improvement below the best value so far under a GP posterior of f.
public struct ExpectedImprovement: AcquisitionPolicy {
  /// The GP whose posterior mean and variance score each grid point.
  public var surrogate: GaussianProcessSurrogate

  /// Expected improvement under `surrogate`.
  public init(_ surrogate: GaussianProcessSurrogate) { self.surrogate = surrogate }

  public func propose(on grid: Tensor, given evaluations: Evaluations) -> Int {
    let (x, y) = evaluations.tensors
    let (mean, variance) = surrogate.process(given: evaluations).posterior(x: x, y: y, query: grid)
    let improvement = ExpectedImprovement.values(mean: mean.reshape(-1), std: variance.reshape(-1).sqrt(), best: evaluations.y.min()!)
    return Int(improvement.argmax(dim: 0).item())
  }

  /// E[max(best − f, 0)] for f ~ N(mean, std²), elementwise: (best − μ)Φ(u) + σφ(u), u = (best − μ)/σ.
  public static func values(mean: Tensor, std: Tensor, best: Double) -> Tensor {
    let std = std.clamp(min: 1e-12)  // a point known exactly improves by max(best − μ, 0), which this still gives
    let gap = best - mean
    let u = gap / std
    let cdf = 0.5 * (1 + (u / 2.0.squareRoot()).erf())
    let pdf = (-0.5 * u.square()).exp() / (2 * Double.pi).squareRoot()
    return gap * cdf + std * pdf
  }
}

/// Random search: a uniformly random grid point each step, from libtorch's generator.
public struct RandomSearch: AcquisitionPolicy {
  /// Random search (no state: draws come from libtorch's seeded generator).
  public init() {}

  public func propose(on grid: Tensor, given evaluations: Evaluations) -> Int {
    Int(Tensor.randint(0, grid.size(1), [1]).item())
  }
}
