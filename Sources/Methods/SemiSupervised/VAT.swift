import NN
import Torch

/// Virtual adversarial training (Miyato, Maeda, Koyama and Ishii, "Virtual Adversarial
/// Training: A Regularization Method for Supervised and Semi-Supervised Learning", TPAMI 2018):
/// the prediction at an unlabelled x should not change under the small perturbation r_adv that
/// changes it most, found by one power iteration from a random direction.
///
/// As realistic-ssl-evaluation does (third_party/vat/vat_utils.py
/// `generate_virtual_adversarial_perturbation`, lib/ssl_framework.py `vat`, lib/hparams.py):
/// d ~ N(0, I); d ← ξ · normalise(d); g = ∇_d KL(p(x) ‖ p(x + d)); r_adv = ε · normalise(g),
/// where normalise divides by the largest |component| (+1e-12) and then by √(1e-6 + ‖·‖²), per
/// example. The loss is KL(p(x + r_adv) ‖ p(x)) with the clean prediction's gradient stopped
/// (`consistency_func="forward_kl"`, student first). ξ = 1e-6; ε = 6 for CIFAR-10 after ZCA
/// (1 for SVHN); λ_max 0.3, warm-up 200,000 steps, Adam 3e-3. ε is a length in input space, so
/// it must be chosen for each data set's scale.
///
/// Only the unlabelled rows are perturbed (the reference perturbs the whole batch and masks the
/// labelled rows out of the loss), and the perturbed passes leave batch-norm statistics alone,
/// as every pass but the first does there. The power iteration differentiates the sum of the
/// per-example KLs rather than their mean: the same direction after normalising, without the
/// 1/U that brings a gradient already of order ξ close to float32's underflow. Even so, with
/// ξ = 1e-6 a float32 pass of a deterministic network (no dropout or input noise between the
/// clean and the perturbed pass) often gives p(x + ξd) equal to p(x) bit for bit, so the
/// gradient, and r_adv, is zero for those examples; such a network in float32 needs a larger ξ
/// (1e-3 in this package's tests).
public struct VAT: UnlabelledRegulariser {
  /// ε: the length of the adversarial perturbation.
  public var epsilon: Double
  /// ξ: the length of the finite-difference step of the power iteration.
  public var xi: Double

  public init(epsilon: Double = 6.0, xi: Double = 1e-6) {
    precondition(epsilon > 0, "VAT's ε must be positive, got \(epsilon)")
    precondition(xi > 0, "VAT's ξ must be positive, got \(xi)")
    self.epsilon = epsilon
    self.xi = xi
  }

  /// Realistic-ssl-evaluation's ramp for VAT: λ_max 0.3 over 200,000 steps.
  public static let referenceRamp = RampUp(maximum: 0.3, warmupSteps: 200_000)

  /// d / (1e-12 + max |d|), then divided by √(1e-6 + Σ d²), over every dimension but the first.
  public static func normalised(_ d: Tensor) -> Tensor {
    let flat = d.flatten(from: 1)
    let scaled = flat / (flat.abs().amax(1, keepDim: true) + 1e-12)
    return (scaled / (scaled.square().sum(1, keepDim: true) + 1e-6).sqrt()).reshape(d.shape)
  }

  /// KL(softmax(p) ‖ softmax(q)) per row of logits [N, classes].
  public static func klDivergence(_ p: Tensor, _ q: Tensor) -> Tensor {
    (p.softmax(dim: 1) * (p.logSoftmax(dim: 1) - q.logSoftmax(dim: 1))).sum(1)
  }

  /// r_adv for inputs `x` whose clean logits are `logits`: one power iteration from a random
  /// direction drawn from libtorch's generator. No gradient reaches the network's parameters.
  public func perturbation(network: any UnaryLayer, x: Tensor, logits: Tensor) -> Tensor {
    let clean = logits.detach()
    let d = (xi * Self.normalised(Tensor.randn(x.shape, dtype: x.dtype))).requiringGrad()
    let divergence = withoutUpdatingBatchStatistics(of: network) { Self.klDivergence(clean, network(x + d)).sum() }
    let g = grad(of: divergence, wrt: d)
    return epsilon * Self.normalised(g.detach())
  }

  public func losses(network: any UnaryLayer, inputs: Tensor, logits: Tensor, labelledCount: Int) -> Tensor {
    let rows = labelledCount..<inputs.size(0)
    let x = inputs[rows]
    let clean = logits[rows]
    let r = perturbation(network: network, x: x, logits: clean)
    let perturbed = withoutUpdatingBatchStatistics(of: network) { network(x + r) }
    return Self.klDivergence(perturbed, clean.detach())
  }

  /// A VAT classifier, optionally with NS3L's term (the NS3L paper's main pairing).
  public static func classifier(
    network: any UnaryLayer, epsilon: Double = 6.0, xi: Double = 1e-6, ramp: RampUp = referenceRamp,
    negativeSampling: NegativeSampling? = nil
  ) -> SemiSupervisedClassifier {
    SemiSupervisedClassifier(
      network: network, regulariser: VAT(epsilon: epsilon, xi: xi), ramp: ramp, negativeSampling: negativeSampling)
  }
}
