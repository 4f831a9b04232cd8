import CTorch
import Torch

/// How a loss reduces its per-element values.
public enum Reduction: Int32, Sendable {
  case none = 0
  case mean = 1
  case sum = 2
}

/// Mean squared error.
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: Reduction = .mean) -> Tensor {
  withExtendedLifetime((prediction, target)) {
    wrap(pt_mse_loss(prediction.handle, target.handle, reduction.rawValue))
  }
}

/// Cross-entropy of logits [N, C, ...] against int64 class indices [N, ...] or class
/// probabilities [N, C, ...], with optional label smoothing and class weights.
public func crossEntropy(
  logits: Tensor, targets: Tensor, labelSmoothing: Double = 0, weight: Tensor? = nil,
  ignoreIndex: Int = -100, reduction: Reduction = .mean
) -> Tensor {
  withExtendedLifetime((logits, targets, weight)) {
    wrap(
      pt_cross_entropy(
        logits.handle, targets.handle, weight?.handle, reduction.rawValue, Int64(ignoreIndex), labelSmoothing))
  }
}

/// Negative log-likelihood of log-probabilities [N, C, ...] at int64 class indices.
public func nllLoss(
  logProbabilities: Tensor, targets: Tensor, weight: Tensor? = nil, ignoreIndex: Int = -100,
  reduction: Reduction = .mean
) -> Tensor {
  withExtendedLifetime((logProbabilities, targets, weight)) {
    wrap(pt_nll_loss(logProbabilities.handle, targets.handle, weight?.handle, reduction.rawValue, Int64(ignoreIndex)))
  }
}

/// Binary cross-entropy of logits against targets in [0, 1] (numerically stable).
public func binaryCrossEntropy(
  logits: Tensor, targets: Tensor, weight: Tensor? = nil, positiveWeight: Tensor? = nil,
  reduction: Reduction = .mean
) -> Tensor {
  withExtendedLifetime((logits, targets, weight, positiveWeight)) {
    wrap(pt_bce_with_logits(logits.handle, targets.handle, weight?.handle, positiveWeight?.handle, reduction.rawValue))
  }
}

/// Binary cross-entropy of probabilities against targets in [0, 1].
public func binaryCrossEntropy(
  probabilities: Tensor, targets: Tensor, weight: Tensor? = nil, reduction: Reduction = .mean
) -> Tensor {
  withExtendedLifetime((probabilities, targets, weight)) {
    wrap(pt_binary_cross_entropy(probabilities.handle, targets.handle, weight?.handle, reduction.rawValue))
  }
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
