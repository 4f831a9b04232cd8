import Torch

/// Dirichlet distributions over the last dimension of `concentration` (α > 0).
public struct Dirichlet {
  public let concentration: Tensor

  public init(concentration: Tensor) { self.concentration = concentration }

  var total: Tensor { concentration.sum(-1) }

  /// E[p] = α / α₀.
  public var mean: Tensor { concentration / total.unsqueeze(-1) }

  /// log Dir(p | α) = log Γ(α₀) − Σ log Γ(αᵢ) + Σ (αᵢ − 1) log pᵢ.
  public func logProb(_ value: Tensor) -> Tensor {
    ((concentration - 1) * value.log()).sum(-1) + total.lgamma() - concentration.lgamma().sum(-1)
  }

  /// A reparameterised draw (normalised Gamma draws; differentiable in α).
  public func rsample() -> Tensor {
    let gammas = concentration.standardGamma()
    return gammas / gammas.sum(-1, keepDim: true)
  }

  public func sample() -> Tensor { withNoGrad { rsample() } }

  public func entropy() -> Tensor {
    let k = Double(concentration.size(-1))
    let logBeta = concentration.lgamma().sum(-1) - total.lgamma()
    return logBeta + (total - k) * total.digamma() - ((concentration - 1) * concentration.digamma()).sum(-1)
  }
}

/// KL(p ‖ q) between Dirichlets, in closed form.
public func klDivergence(_ p: Dirichlet, _ q: Dirichlet) -> Tensor {
  let a = p.concentration
  let b = q.concentration
  let a0 = p.total
  return a0.lgamma() - a.lgamma().sum(-1) - q.total.lgamma() + b.lgamma().sum(-1)
    + ((a - b) * (a.digamma() - a0.digamma().unsqueeze(-1))).sum(-1)
}
