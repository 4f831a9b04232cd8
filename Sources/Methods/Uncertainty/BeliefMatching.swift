import Foundation
import NN
import Torch

/// Belief-matching loss of Joo, Chung and Seo ("Being Bayesian about Categorical Probability",
/// ICML 2020), averaged over the batch: coeff · KL(Dir(α) ‖ Dir(β·1)) − (ψ(α_y) − ψ(α₀)) with
/// α = exp(logits), unclamped as in the official `loss.py`.
///
/// The KL is NN's complete closed form; the official code drops its α-free part
/// (Σ_k log Γ(β) − log Γ(Kβ)), so values differ from it by that constant times `klCoefficient`
/// and gradients are identical. Defaults are `cifar_trainer.py`'s (`--coeff 1e-2`, `--prior 1.0`).
public func beliefMatchingLoss(
  logits: Tensor, targets: Tensor, klCoefficient: Double = 0.01, priorConcentration: Double = 1
) -> Tensor {
  let alpha = logits.exp()
  let prior = Dirichlet(concentration: Tensor.full(like: alpha, priorConcentration))
  let kl = klDivergence(Dirichlet(concentration: alpha), prior)
  return (kl * klCoefficient - dirichletExpectedLogLikelihood(concentration: alpha, targets: targets)).mean()
}

/// E_{p∼Dir(α)}[log p_y] = ψ(α_y) − ψ(α₀) for each row of `concentration` [batch, classes] at
/// int64 `targets` [batch]: [batch].
public func dirichletExpectedLogLikelihood(concentration: Tensor, targets: Tensor) -> Tensor {
  let alphaY = concentration.gather(dim: -1, index: targets.unsqueeze(-1)).squeeze(-1)
  return alphaY.digamma() - concentration.sum(-1).digamma()
}

/// Mutual information between the label and p ∼ Dir(α) for each row: H[E p] − E[H(p)], the
/// epistemic part of the predictive entropy (Malinin and Gales' decomposition), in nats.
public func dirichletMutualInformation(concentration: Tensor) -> Tensor {
  let total = concentration.sum(-1, keepDim: true)
  let mean = concentration / total
  // E[H(p)] = −Σ_k (α_k/α₀)(ψ(α_k + 1) − ψ(α₀ + 1)).
  let expectedEntropy = -(mean * ((concentration + 1).digamma() - (total + 1).digamma())).sum(-1)
  return entropy(mean) - expectedEntropy
}

/// Any logits network trained with the belief-matching loss: its outputs are read as the
/// concentration α = exp(logits) of a Dirichlet over the class probabilities.
///
/// The predictive distribution is the Dirichlet mean α/α₀ (which equals softmax(logits), so it
/// is computed that way, safe from overflow of exp). `certaintyMeasure` turns it into the
/// certainty (max probability by default); `precision` (α₀) and `mutualInformation` are the
/// Dirichlet's own uncertainty scores for out-of-distribution detection. The official code
/// holds no OoD evaluation, so which of these the paper's OoD tables use is not pinned here.
public final class BeliefMatchingClassifier: Module, UncertaintyClassifier {
  /// Maps inputs to logits [batch, classes].
  public let network: any UnaryLayer
  /// Weight of the KL term (`--coeff`).
  public var klCoefficient: Double
  /// β of the Dirichlet prior Dir(β·1) (`--prior`).
  public var priorConcentration: Double
  public var certaintyMeasure: CertaintyMeasure
  /// The official `--coeff` default.
  public static let defaultKLCoefficient = 0.01
  /// The official `--prior` default.
  public static let defaultPriorConcentration = 1.0

  /// A classifier on `network` with the official CIFAR-10 ResNet-18 settings by default.
  public init(
    _ network: any UnaryLayer, klCoefficient: Double = defaultKLCoefficient,
    priorConcentration: Double = defaultPriorConcentration,
    certaintyMeasure: CertaintyMeasure = .maxProbability
  ) {
    self.network = network
    self.klCoefficient = klCoefficient
    self.priorConcentration = priorConcentration
    self.certaintyMeasure = certaintyMeasure
  }

  /// Logits log α [batch, classes].
  public func callAsFunction(_ x: Tensor) -> Tensor { network(x) }

  /// The approximate posterior Dir(α(x)) over class probabilities.
  public func dirichlet(_ x: Tensor) -> Dirichlet { Dirichlet(concentration: self(x).exp()) }

  /// Dirichlet mean α/α₀ [batch, classes].
  public func probabilities(_ x: Tensor) -> Tensor { self(x).softmax(dim: 1) }

  /// Precision α₀ [batch]: the evidence the network has for x; low values flag unfamiliar inputs.
  public func precision(_ x: Tensor) -> Tensor { self(x).logSumExp(1).exp() }

  /// Mutual information between label and class probabilities [batch], in nats.
  public func mutualInformation(_ x: Tensor) -> Tensor { dirichletMutualInformation(concentration: self(x).exp()) }

  /// Belief-matching loss against int64 class indices [batch].
  public func loss(_ x: Tensor, labels: Tensor) -> Tensor {
    beliefMatchingLoss(
      logits: self(x), targets: labels, klCoefficient: klCoefficient, priorConcentration: priorConcentration)
  }

  /// Most probable class under the Dirichlet mean and its certainty.
  public func predict(_ x: Tensor) -> Prediction {
    withNoGrad { predictive(probabilities(x), certaintyMeasure) }
  }

}
