import Foundation
import NN
import Torch
import Training

/// The ramp-up of a consistency weight, λ(t) = λ_max · exp(−5 (1 − min(t/T, 1))²) at step t
/// (1-based) with warm-up T: from λ_max · e⁻⁵ at the start to λ_max at step T and after. It
/// is the sigmoid-shaped ramp of Laine and Aila (2017), in the form both reference codes write
/// it: realistic-ssl-evaluation lib/ssl_framework.py (`cons_multiplier`, warm-up 200,000 steps
/// in lib/hparams.py) and DS3L train.py (`coef = 10.0 * math.exp(-5 * (1 - min(iteration /
/// args.warmup, 1)) ** 2)`, warm-up 200,000).
public struct RampUp: Sendable, Equatable {
  /// λ_max, reached at step `warmupSteps`.
  public var maximum: Double
  /// T; 0 means no ramp (λ_max from the first step).
  public var warmupSteps: Int

  public init(maximum: Double, warmupSteps: Int) {
    precondition(maximum >= 0, "a consistency weight cannot be negative, got \(maximum)")
    precondition(warmupSteps >= 0, "warm-up steps cannot be negative, got \(warmupSteps)")
    self.maximum = maximum
    self.warmupSteps = warmupSteps
  }

  /// λ at step `step` (1-based; 0 before the first step).
  public func callAsFunction(_ step: Int) -> Double {
    guard warmupSteps > 0 else { return maximum }
    let progress = Swift.min(Double(Swift.max(step, 0)) / Double(warmupSteps), 1)
    return maximum * Foundation.exp(-5 * (1 - progress) * (1 - progress))
  }
}

/// A semi-supervised regulariser on unlabelled data: a loss per unlabelled example that a
/// method adds, weighted, to the labelled cross-entropy (Π-model consistency, pseudo-labels,
/// VAT, negative sampling).
///
/// Methods see the batch as the reference codes do: the labelled rows first, the unlabelled
/// rows after them, passed through the network together (so batch norm sees one batch), the
/// losses taken on the unlabelled rows.
public protocol UnlabelledRegulariser {
  /// Losses [U] of the unlabelled rows `inputs[labelledCount...]`, given the network (in
  /// training mode) and `logits`, its first pass over all of `inputs`, which carries the
  /// gradient. Further passes must not move batch-norm running statistics
  /// (`withoutUpdatingBatchStatistics`).
  func losses(network: any UnaryLayer, inputs: Tensor, logits: Tensor, labelledCount: Int) -> Tensor
}

/// Runs `body` (further passes of `module` in training mode) and then puts every batch norm's
/// running statistics back as they were: the passes normalise with their own batch statistics
/// but do not count as batches seen. This is `update_batch_stats=False` of the reference codes:
/// realistic-ssl-evaluation lib/networks.py (every pass but the first updates a dummy
/// collection) and the NS3L code, ns3l.py (`model.update_batch_stats(False)` around its pass).
public func withoutUpdatingBatchStatistics<Result>(of module: Module, _ body: () throws -> Result) rethrows -> Result {
  let norms = module.namedModules().compactMap { $0.module as? BatchNorm }
  let saved = withNoGrad { norms.map { [$0.runningMean.clone(), $0.runningVar.clone(), $0.numBatchesTracked.clone()] } }
  defer {
    withNoGrad {
      for (norm, state) in zip(norms, saved) {
        norm.runningMean.copy_(state[0])
        norm.runningVar.copy_(state[1])
        norm.numBatchesTracked.copy_(state[2])
      }
    }
  }
  return try body()
}

/// A classifier trained on labelled and unlabelled batches by the labelled cross-entropy plus
/// a ramped unlabelled regulariser (`PiModel`, `PseudoLabel`, `VAT`, or none for the supervised
/// baseline) plus, optionally, the NS3L negative-sampling term (`NegativeSampling`):
///
///   loss = Σ_l CE(f(x_l), y_l) / B + λ(t) · Σ_u ℓ_u / B + μ · Σ_u ℓᴺˢ_u / B,   B = L + U,
///
/// every sum divided by the whole batch (labelled and unlabelled rows), as
/// realistic-ssl-evaluation does (lib/ssl_framework.py: `labeled_loss` sums the labelled
/// cross-entropy and divides by `num_total_examples`; lib/ssl_utils.py `diff_costs` and ns3l.py
/// take the mean of the masked per-example losses over the batch). The supervised baseline
/// (`regulariser` nil, no negative sampling) passes only the labelled rows through the network
/// but keeps the same labelled term, so every method's labelled gradient has one scale.
///
/// The ramp needs the step number: the training loop gives it through `prepare(forStep:)`; a
/// step called by hand uses the last step prepared (0 at first, λ(0) = λ_max · e⁻⁵).
public final class SemiSupervisedClassifier: Module, Objective {
  public let network: any UnaryLayer
  /// The unlabelled regulariser; nil trains on the labelled cross-entropy alone.
  public let regulariser: (any UnlabelledRegulariser)?
  /// λ(t) of the regulariser.
  public var ramp: RampUp
  /// NS3L's term added to the base method, if any.
  public var negativeSampling: NegativeSampling?
  /// The step the loop last prepared (1-based), the ramp's clock.
  public private(set) var currentStep = 0

  /// The ramps of the reference code (realistic-ssl-evaluation lib/hparams.py: λ_max 20 for the
  /// Π-model, 1 for pseudo-labels, 0.3 for VAT, warm-up 200,000 steps) are the callers'
  /// choice; `Supervised`, `PiModel`, `PseudoLabel` and `VAT` document theirs.
  public init(
    network: any UnaryLayer, regulariser: (any UnlabelledRegulariser)?, ramp: RampUp,
    negativeSampling: NegativeSampling? = nil
  ) {
    self.network = network
    self.regulariser = regulariser
    self.ramp = ramp
    self.negativeSampling = negativeSampling
  }

  public func prepare(forStep step: Int) { currentStep = step }

  /// Logits [N, classes] of one pass.
  public func callAsFunction(_ x: Tensor) -> Tensor { network(x) }

  /// The step's loss and its parts (not yet minimised).
  public func loss(_ batch: SemiSupervisedBatch) -> (total: Tensor, terms: LossTerms) {
    let labelledCount = batch.labelled.x.size(0)
    let batchSize = Double(labelledCount + batch.unlabelled.size(0))
    let weight = ramp(currentStep)
    guard regulariser != nil || negativeSampling != nil else {
      let classification =
        crossEntropy(logits: network(batch.labelled.x), targets: batch.labelled.labels, reduction: .sum) / batchSize
      return (classification, ["loss": classification.item(), "classification": classification.item()])
    }
    let inputs = Tensor.cat([batch.labelled.x, batch.unlabelled])
    let logits = network(inputs)
    let classification =
      crossEntropy(logits: logits[0..<labelledCount], targets: batch.labelled.labels, reduction: .sum) / batchSize
    var unlabelled = 0.0
    var negative = 0.0
    var total = classification
    if let regulariser {
      let term =
        regulariser.losses(network: network, inputs: inputs, logits: logits, labelledCount: labelledCount).sum()
        / batchSize
      total = total + weight * term
      unlabelled = term.item()
    }
    if let negativeSampling {
      let term =
        negativeSampling.losses(network: network, inputs: inputs, logits: logits, labelledCount: labelledCount).sum()
        / batchSize
      total = total + negativeSampling.weight * term
      negative = term.item()
    }
    let terms: LossTerms = [
      "loss": total.item(), "classification": classification.item(), "unlabelled": unlabelled,
      "negative_sampling": negative, "consistency_weight": weight,
    ]
    return (total, terms)
  }

  /// One optimiser step (the single, unnamed optimiser over the network) in training mode.
  public func step(_ batch: SemiSupervisedBatch, optimizers: Optimizers) -> LossTerms {
    train()
    let (total, terms) = loss(batch)
    optimizers.minimize(total)
    return terms
  }
}
