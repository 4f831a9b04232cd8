import Foundation
import NN
import Torch
import Training

/// The latent density of FlowGMM: a mixture of K Gaussians N(μ_k, I) with equal weights 1/K
/// over flattened latents z ∈ ℝᴰ (Izmailov, Kirichenko, Finzi and Wilson, "Semi-Supervised
/// Learning with Normalizing Flows", ICML 2020).
///
/// The means are fixed unless `learnable`: the official code fixes them (flow_ssl
/// distributions.py `SSLGaussMixture` with its means tensor not trained; the image scripts
/// train them only with `--means_trainable`, off by default, and the two-moons notebook fixes
/// them at (−3.5, −3.5) and (3.5, 3.5)). Fixed means stay a (frozen) parameter named `means`, so
/// a checkpoint has them either way; an optimiser skips a parameter without gradient.
public final class GaussianMixturePrior: Module, FlowBaseDensity {
  /// μ [K, D].
  public let means: Tensor

  public init(means: Tensor, learnable: Bool = false) {
    precondition(means.rank == 2 && means.size(0) >= 2, "the means must be [classes ≥ 2, dimensions], got \(means.shape)")
    self.means = means.detach().clone().requiringGrad(learnable)
  }

  public var classes: Int { means.size(0) }
  public var dimensions: Int { means.size(1) }

  /// The two-moons notebook's means (experiments/synthetic_data/synthetic.ipynb): (−r, −r) and (r, r), r = 3.5.
  public static func twoMoonsMeans(r: Double = 3.5) -> Tensor { Tensor([-r, -r, r, r], shape: [2, 2]) }

  /// The official code's `random` means (experiments/train_flows/utils/train_utils.py
  /// `get_means`): μ_k = r · ε_k, ε_k ~ N(0, I), from libtorch's generator.
  public static func randomMeans(classes: Int, dimensions: Int, r: Double = 1) -> Tensor {
    Tensor.randn([classes, dimensions]) * r
  }

  /// Flattens a batch of latents to [N, D].
  func flat(_ z: Tensor) -> Tensor {
    let z = z.flatten(from: 1)
    precondition(z.size(1) == dimensions, "latents of \(z.size(1)) dimensions for means of \(dimensions)")
    return z
  }

  /// log N(z; μ_k, I) of each example and class, [N, K].
  public func classLogProbs(_ z: Tensor) -> Tensor {
    let z = flat(z)
    let squared = (z.unsqueeze(1) - means.unsqueeze(0)).square().sum(2)
    return -0.5 * squared - 0.5 * Double(dimensions) * Foundation.log(2 * Double.pi)
  }

  /// log Σ_k (1/K) N(z; μ_k, I) of each example, [N], by log-sum-exp: the plain sum of the
  /// densities underflows in high dimensions (as it does in the official code's
  /// `SSLGaussMixtureClassifier.log_prob`, flow_ssl/distributions.py, which sums `exp(log_prob)`).
  public func logProb(_ z: Tensor) -> Tensor {
    (classLogProbs(z) - Foundation.log(Double(classes))).logSumExp(1)
  }

  /// `count` draws of the mixture (a class drawn uniformly for each), [count, D].
  public func sample(_ count: Int) -> Tensor {
    withNoGrad {
      let labels = Tensor.randint(0, classes, [count])
      return means.detach().indexSelect(dim: 0, index: labels) + Tensor.randn([count, dimensions], dtype: means.dtype)
    }
  }

  /// `count` draws z = μ_k + T ε, ε ~ N(0, I), of class `k` at temperature T, [count, D].
  public func sample(_ count: Int, class k: Int, temperature: Double = 1) -> Tensor {
    precondition(k >= 0 && k < classes, "class \(k) is not one of the prior's \(classes)")
    precondition(temperature >= 0, "a temperature cannot be negative, got \(temperature)")
    return withNoGrad { means.detach()[k].unsqueeze(0) + temperature * Tensor.randn([count, dimensions], dtype: means.dtype) }
  }
}

/// A consistency weight ramped linearly, w(t) = w_max · min(t / T, 1) at step t (1-based): the
/// official FlowGMM-cons schedule (experiments/train_flows/train_semisup_cons.py
/// `linear_rampup`, there counted in epochs, `--consistency_rampup`).
public struct LinearRampUp: Sendable, Equatable {
  public var maximum: Double
  /// T; 0 means w_max from the first step.
  public var steps: Int

  public init(maximum: Double, steps: Int) {
    precondition(maximum >= 0 && steps >= 0, "a ramp needs a non-negative maximum and length, got \(maximum), \(steps)")
    self.maximum = maximum
    self.steps = steps
  }

  public func callAsFunction(_ step: Int) -> Double {
    guard steps > 0 else { return maximum }
    return maximum * Swift.min(Double(Swift.max(step, 0)) / Double(steps), 1)
  }
}

/// FlowGMM-cons's consistency term: two augmented views of every input of the batch; the
/// class predicted from the second (without gradient) is the label of the first, whose
/// negative log-likelihood −log N(f(x′); μ_ŷ, I) − log|det ∂f/∂x′| is the loss.
public struct FlowGMMConsistency {
  /// A random augmentation of a batch (inputs [N, ...] → [N, ...]), drawn anew at each call.
  public var augment: (Tensor) -> Tensor
  public var ramp: LinearRampUp

  public init(augment: @escaping (Tensor) -> Tensor, ramp: LinearRampUp) {
    self.augment = augment
    self.ramp = ramp
  }
}

/// FlowGMM (Izmailov, Kirichenko, Finzi and Wilson, ICML 2020): a normalising flow z = f(x)
/// into a latent space where class k is N(μ_k, I), trained by maximum likelihood on labelled
/// and unlabelled data together:
///
/// - labelled (x, y): ℓ = −log N(f(x); μ_y, I) − log|det ∂f/∂x|;
/// - unlabelled x: ℓ = −log Σ_k (1/K) N(f(x); μ_k, I) − log|det ∂f/∂x| (by log-sum-exp);
/// - prediction: argmax_k N(f(x); μ_k, I), whose softmax over k is p(y | x).
///
/// The step's loss is (Σ_l ℓ_l + w_u Σ_u ℓ_u) / (L + U), the mean over the labelled and
/// unlabelled rows passed through the flow together, as the official two-moons notebook does
/// (`FlowLoss`'s `-ll.mean()` over a batch of the labelled and as many unlabelled points); w_u
/// (1 there) is the official tabular trainer's `unlab_weight`. FlowLoss's constant
/// −D log 256 is left out (it moves no gradient; `bitsPerDimension` adds it back).
///
/// `labelWeight` λ adds λ times the cross-entropy of the labelled rows' posterior
/// p(y | x) = softmax_k log N(f(x); μ_k, I), averaged over them: the official image trainer's
/// `--label_weight` term (train_semisup_cons.py, `F.cross_entropy` of the class logits; 3 in its
/// MNIST and CIFAR-10 commands). Since −log N(f(x); μ_y, I) is the mixture's −log p(f(x)) plus
/// this cross-entropy (up to log K), λ only weighs the discriminative part of the labelled term
/// more; 0 (the default) is the paper's loss.
///
/// FlowGMM-cons adds w(t) · mean of the consistency NLL over all rows, with
/// the losses above taken on the first augmented view, as train_semisup_cons.py does; the loop
/// gives t through `prepare(forStep:)`. The official trainers clip the gradient norm at 100
/// (`utils.clip_grad_norm(optimizer, 100)`); `maxGradNorm` does that, nil not at all.
public final class FlowGMM: Module, Objective {
  public let flow: any InvertibleLayer
  public let prior: GaussianMixturePrior
  /// The shape of one example's f(x) (e.g. [C, H, W]); its product is the prior's D.
  public let latentShape: [Int]
  /// w_u.
  public var unlabelledWeight: Double
  /// λ of the labelled cross-entropy term (0: none).
  public var labelWeight: Double
  /// FlowGMM-cons's term, or nil for plain FlowGMM.
  public var consistency: FlowGMMConsistency?
  public var maxGradNorm: Double?
  /// The step the loop last prepared (1-based), the consistency ramp's clock.
  public private(set) var currentStep = 0

  public init(
    flow: any InvertibleLayer, prior: GaussianMixturePrior, latentShape: [Int], unlabelledWeight: Double = 1,
    labelWeight: Double = 0, consistency: FlowGMMConsistency? = nil, maxGradNorm: Double? = nil
  ) {
    precondition(
      latentShape.reduce(1, *) == prior.dimensions,
      "a latent of shape \(latentShape) has \(latentShape.reduce(1, *)) dimensions but the means have \(prior.dimensions)")
    precondition(unlabelledWeight >= 0, "the unlabelled weight cannot be negative, got \(unlabelledWeight)")
    precondition(labelWeight >= 0, "the label weight cannot be negative, got \(labelWeight)")
    precondition(maxGradNorm.map { $0 > 0 } ?? true, "the gradient-norm bound must be positive, got \(maxGradNorm!)")
    self.flow = flow
    self.prior = prior
    self.latentShape = latentShape
    self.unlabelledWeight = unlabelledWeight
    self.labelWeight = labelWeight
    self.consistency = consistency
    self.maxGradNorm = maxGradNorm
  }

  public func prepare(forStep step: Int) { currentStep = step }

  public var classes: Int { prior.classes }

  /// log N(f(x); μ_k, I) [N, K] and log|det ∂f/∂x| [N].
  public func classLogProbs(_ x: Tensor) -> (logProbs: Tensor, logDet: Tensor) {
    let (z, logDet) = flow.forward(x)
    return (prior.classLogProbs(z), logDet)
  }

  /// Posterior logits log N(f(x); μ_k, I) + log(1/K), [N, K]: their softmax is p(y | x).
  public func callAsFunction(_ x: Tensor) -> Tensor {
    classLogProbs(x).logProbs - Foundation.log(Double(classes))
  }

  /// Labelled losses −log N(f(x); μ_y, I) − log|det| [N] from class log-densities and log-determinants.
  public static func labelledLosses(logProbs: Tensor, logDet: Tensor, labels: Tensor) -> Tensor {
    -logProbs.gather(dim: 1, index: labels.unsqueeze(1)).squeeze(1) - logDet
  }

  /// Unlabelled losses −log Σ_k (1/K) N(f(x); μ_k, I) − log|det| [N].
  public static func unlabelledLosses(logProbs: Tensor, logDet: Tensor) -> Tensor {
    -(logProbs - Foundation.log(Double(logProbs.size(1)))).logSumExp(1) - logDet
  }

  /// −log p(x) [N] under the flow and the mixture (nats; `bitsPerDimension` for bits per dimension).
  public func negativeLogLikelihood(_ x: Tensor) -> Tensor {
    let (logProbs, logDet) = classLogProbs(x)
    return Self.unlabelledLosses(logProbs: logProbs, logDet: logDet)
  }

  /// argmax_k N(f(x); μ_k, I), int64 [N], in evaluation mode without gradient.
  public func predict(_ x: Tensor) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return withNoGrad { classLogProbs(x).logProbs.argmax(dim: 1) }
  }

  /// `count` inputs x = f⁻¹(μ_k + T ε) of class `k` at temperature T (the paper's class-conditional
  /// samples), in evaluation mode without gradient.
  public func sample(_ count: Int, class k: Int, temperature: Double = 1) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    let z = prior.sample(count, class: k, temperature: temperature).reshape([count] + latentShape)
    return withNoGrad { flow.inverse(z) }
  }

  /// The step's loss and its parts (not yet minimised).
  public func loss(_ batch: SemiSupervisedBatch) -> (total: Tensor, terms: LossTerms) {
    let labelledCount = batch.labelled.x.size(0)
    let unlabelledCount = batch.unlabelled.size(0)
    let rows = Double(labelledCount + unlabelledCount)
    var inputs = Tensor.cat([batch.labelled.x, batch.unlabelled])
    var predicted: Tensor?
    if let consistency {
      predicted = withNoGrad { classLogProbs(consistency.augment(inputs)).logProbs.argmax(dim: 1) }
      inputs = consistency.augment(inputs)
    }
    let (logProbs, logDet) = classLogProbs(inputs)
    let labelledPart = 0..<labelledCount
    let unlabelledPart = labelledCount..<(labelledCount + unlabelledCount)
    let labelled = Self.labelledLosses(
      logProbs: logProbs[labelledPart], logDet: logDet[labelledPart], labels: batch.labelled.labels
    ).sum()
    let unlabelled = Self.unlabelledLosses(logProbs: logProbs[unlabelledPart], logDet: logDet[unlabelledPart]).sum()
    var total = (labelled + unlabelledWeight * unlabelled) / rows
    var crossEntropyTerm = 0.0
    if labelWeight > 0, labelledCount > 0 {
      let term = crossEntropy(logits: logProbs[labelledPart], targets: batch.labelled.labels)
      total = total + labelWeight * term
      crossEntropyTerm = term.item()
    }
    var consistencyTerm = 0.0
    var weight = 0.0
    if let consistency, let predicted {
      weight = consistency.ramp(currentStep)
      let term = Self.labelledLosses(logProbs: logProbs, logDet: logDet, labels: predicted).mean()
      total = total + weight * term
      consistencyTerm = term.item()
    }
    let terms: LossTerms = [
      "loss": total.item(), "labelled_nll": labelledCount > 0 ? labelled.item() / Double(labelledCount) : 0,
      "unlabelled_nll": unlabelledCount > 0 ? unlabelled.item() / Double(unlabelledCount) : 0,
      "consistency": consistencyTerm, "consistency_weight": weight, "cross_entropy": crossEntropyTerm,
    ]
    return (total, terms)
  }

  /// One step of the single, unnamed optimiser in training mode, the gradient clipped to
  /// `maxGradNorm` when set.
  public func step(_ batch: SemiSupervisedBatch, optimizers: Optimizers) -> LossTerms {
    train()
    let (total, terms) = loss(batch)
    let optimizer = optimizers[nil]
    optimizer.zeroGrad()
    total.backward()
    if let maxGradNorm { _ = clipGradNorm(optimizer.parameters, maxNorm: maxGradNorm) }
    optimizer.step()
    return terms
  }
}
