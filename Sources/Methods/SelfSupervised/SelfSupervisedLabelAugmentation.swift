import NN
import Torch
import Training

/// Self-supervised label augmentation, SLA (Lee, Hwang and Shin, "Self-supervised label
/// augmentation via input transformations", ICML 2020): one classifier over the joint label
/// (y, j) of class y and transformation j, N·M logits, trained on M transformed copies of every
/// image, so the transformation is learnt as part of the label instead of being an invariance
/// forced on the classifier (DA) or a separate task sharing only features (MT).
///
/// Joint logit column y·M + j scores (y, j), the layout of `TransformedCopiesBatch.jointLabels`
/// and of the official code (hankook/SLA trainers.py `create_sla_trainer`: `labels*n+i`).
///
/// The optional N-way head `single` is SLA's self-distillation (SD): trained on the untransformed
/// copy, it learns the aggregated prediction in one pass.
public final class SLAClassifier<Features: UnaryLayer>: Module {
  public let features: Features
  /// Joint head: N·M logits.
  public let joint: Linear
  /// Self-distillation head: N logits.
  public let single: Linear
  public let classes: Int
  /// Transformations M.
  public let copies: Int

  public init(features: Features, featureSize: Int, classes: Int, copies: Int = 4) {
    precondition(classes > 0 && copies > 0, "SLA needs classes and transformations, got \(classes) × \(copies)")
    self.features = features
    joint = Linear(featureSize, classes * copies)
    single = Linear(featureSize, classes)
    self.classes = classes
    self.copies = copies
  }

  /// Joint logits [batch, N·M].
  public func callAsFunction(_ x: Tensor) -> Tensor { joint(features(x)) }

  /// Single inference, SI: the logits of the untransformed copy's own transformation, z_{y,0}(x),
  /// [batch, N], from joint logits [batch, N·M] of untransformed images (trainers.py
  /// `preds[::n, ::n]`: columns 0, M, 2M, …).
  public static func singleInference(jointLogits: Tensor, copies: Int) -> Tensor {
    jointLogits.slice(dim: 1, start: 0, step: copies)
  }

  /// Aggregated inference, AG: (1/M) Σ_j z_{y,j}(t_j x), [batch, N], from the joint logits
  /// [batch · M, N·M] of image-major copies (image b's copy j at row b·M + j). Row b·M + j
  /// contributes its columns j, M + j, 2M + j, … (trainers.py: `preds[i::n, i::n] / n` summed
  /// over i). Softmax of the result is the AG prediction.
  public static func aggregatedInference(jointLogits: Tensor, copies: Int) -> Tensor {
    precondition(jointLogits.rank == 2 && jointLogits.size(0) % copies == 0 && jointLogits.size(1) % copies == 0,
      "joint logits [batch · M, N · M] for M = \(copies), got \(jointLogits.shape)")
    let perImage = jointLogits.reshape([-1, copies, jointLogits.size(1)])
    let slices = (0..<copies).map { j in perImage.select(dim: 1, index: j).slice(dim: 1, start: j, step: copies) }
    return Tensor.stack(slices).mean(0)
  }

  /// The untransformed copy of each image of image-major copies [batch · M, ...]: rows 0, M, 2M, ….
  public static func originals(_ copies: Tensor, copies m: Int) -> Tensor { copies.slice(dim: 0, start: 0, step: m) }

  /// AG logits [batch, N] of images [batch, ...] under `transforms` (M of them, the training
  /// order); no gradients, evaluation mode.
  public func aggregatedLogits(_ x: Tensor, transforms: [(Tensor) -> Tensor]) -> Tensor {
    precondition(transforms.count == copies, "\(transforms.count) transformations for an SLA of \(copies)")
    return evaluating {
      let stacked = Tensor.stack(transforms.map { $0(x) }, dim: 1).reshape([-1] + Array(x.shape.dropFirst()))
      return Self.aggregatedInference(jointLogits: self(stacked), copies: copies)
    }
  }

  /// SI logits [batch, N] of untransformed images; evaluation mode.
  public func singleLogits(_ x: Tensor) -> Tensor {
    evaluating { Self.singleInference(jointLogits: self(x), copies: copies) }
  }

  /// SD logits u(x) [batch, N] of untransformed images; evaluation mode.
  public func distilledLogits(_ x: Tensor) -> Tensor { evaluating { single(features(x)) } }

  func evaluating(_ body: () -> Tensor) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return withNoGrad(body)
  }
}

/// SLA's training objective over a `TransformedCopiesBatch`: CE(z(t_j x), (y, j)) averaged over
/// all B·M copies, which is (1/M) Σ_j of the per-transformation means.
///
/// With `selfDistillation`, SLA+SD (trainers.py `create_sla_sd_trainer`): the single head u
/// sees the untransformed copy and the loss is
///   CE_joint + CE(u(x), y) + T² · KL(softmax(z_AG / T) ‖ softmax(u(x) / T)),
/// the aggregate detached (a teacher, not a target the joint head bends toward), `F.kl_div`
/// batch-mean, T = 1 by default as in the official code; the terms are summed unweighted.
public final class SLAObjective<Features: UnaryLayer>: Objective {
  public let model: SLAClassifier<Features>
  public var selfDistillation: Bool
  public var temperature: Double

  public init(_ model: SLAClassifier<Features>, selfDistillation: Bool = false, temperature: Double = 1) {
    self.model = model
    self.selfDistillation = selfDistillation
    self.temperature = temperature
  }

  public var module: Module { model }

  /// The step's loss and its terms (for tests and a step).
  public func losses(_ batch: TransformedCopiesBatch) -> (total: Tensor, terms: [(String, Tensor)]) {
    precondition(batch.copies == model.copies, "a batch of \(batch.copies) copies for an SLA of \(model.copies)")
    let h = model.features(batch.x)
    let jointLogits = model.joint(h)
    let jointLoss = crossEntropy(logits: jointLogits, targets: batch.jointLabels)
    guard selfDistillation else { return (jointLoss, [("joint", jointLoss)]) }
    let u = model.single(SLAClassifier<Features>.originals(h, copies: batch.copies))
    let singleLoss = crossEntropy(logits: u, targets: batch.labels)
    let aggregate = SLAClassifier<Features>.aggregatedInference(jointLogits: jointLogits, copies: batch.copies).detach()
    let distillation = Self.distillationLoss(student: u, teacher: aggregate, temperature: temperature)
    let total = jointLoss + singleLoss + distillation
    return (total, [("joint", jointLoss), ("single", singleLoss), ("distillation", distillation)])
  }

  /// T² · KL(softmax(teacher / T) ‖ softmax(student / T)), batch-mean (trainers.py
  /// `F.kl_div(F.log_softmax(single_preds / T, 1), F.softmax(agg_preds.detach() / T, 1),
  /// reduction='batchmean')` times `T**2`); the caller detaches the teacher.
  public static func distillationLoss(student: Tensor, teacher: Tensor, temperature t: Double) -> Tensor {
    klDivergence(logProbabilities: (student / t).logSoftmax(dim: 1), targetProbabilities: (teacher / t).softmax(dim: 1)) * (t * t)
  }

  public func step(_ batch: TransformedCopiesBatch, optimizers: Optimizers) throws -> LossTerms {
    let (total, terms) = losses(batch)
    optimizers.minimize(total)
    guard terms.count == 3 else { return ["loss": total.item()] }
    return ["loss": total.item(), "joint": terms[0].1.item(), "single": terms[1].1.item(), "distillation": terms[2].1.item()]
  }
}
