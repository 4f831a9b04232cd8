import Torch

/// How a loss reduces its per-element values (raw values are ATen's, which the kernels take).
public enum Reduction: Int32, Sendable {
  case none = 0
  case mean = 1
  case sum = 2
}

/// Mean squared error.
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  LossKernels.mse(prediction, target, reduction: reduction.rawValue)
}

/// Cross-entropy of logits [N, C, ...] against int64 class indices [N, ...] or class
/// probabilities [N, C, ...], with optional label smoothing and class weights.
public func crossEntropy(
  logits: Tensor, targets: Tensor, labelSmoothing: Double = 0, weight: Tensor? = nil,
  ignoreIndex: Int = -100, reduction: Reduction = .mean
) -> Tensor {
  LossKernels.crossEntropy(
    logits: logits, targets: targets, weight: weight, ignoreIndex: ignoreIndex, labelSmoothing: labelSmoothing,
    reduction: reduction.rawValue)
}

/// Negative log-likelihood of log-probabilities [N, C, ...] at int64 class indices.
public func nllLoss(
  logProbabilities: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
  reduction: Reduction = .mean
) -> Tensor {
  LossKernels.nll(
    logProbabilities: logProbabilities, targets: targets, weight: weight, ignoreIndex: ignoreIndex,
    reduction: reduction.rawValue)
}

/// Binary cross-entropy of logits against targets in [0, 1] (numerically stable).
public func binaryCrossEntropy(
  logits: Tensor, targets: Tensor, weight: Tensor? = nil, positiveWeight: Tensor? = nil,
  reduction: Reduction = .mean
) -> Tensor {
  LossKernels.binaryCrossEntropy(
    logits: logits, targets: targets, weight: weight, positiveWeight: positiveWeight, reduction: reduction.rawValue)
}

/// Binary cross-entropy of probabilities against targets in [0, 1].
public func binaryCrossEntropy(
  probabilities: Tensor, targets: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
  LossKernels.binaryCrossEntropy(
    probabilities: probabilities, targets: targets, weight: weight, reduction: reduction.rawValue)
}

/// KL(target ‖ model) from the model's log-probabilities, as `F.kl_div`: summed over the
/// last dimension and averaged over the batch with `batchMean` (the mathematically proper KL).
public func klDivergence(
  logProbabilities: Tensor, targetProbabilities: Tensor, batchMean: Bool = true
) -> Tensor {
  // target · (log target − log p), with 0 · log 0 = 0.
  let logTarget = targetProbabilities.clamp(min: Double.leastNormalMagnitude).log()
  let pointwise = (targetProbabilities * (logTarget - logProbabilities)).where(targetProbabilities .> 0, else: Tensor.zeros(like: logProbabilities))
  return batchMean ? pointwise.sum() / Double(logProbabilities.size(0)) : pointwise.sum()
}
