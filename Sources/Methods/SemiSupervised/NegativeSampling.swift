import NN
import Torch

/// NS3L (Chen, Shah and Kyrillidis, "Negative Sampling in Semi-Supervised Learning", ICML 2020;
/// official code johnchenresearch/NS3L, ns3l.py): classes the network already finds very
/// unlikely for an unlabelled x are taken as negative labels of x, and their total probability
/// is pushed towards zero.
///
/// N(x) = {k : p_k(x) < T} comes from a first pass with the gradient stopped; a second pass
/// p̃ (with batch-norm running statistics left alone, ns3l.py's `update_batch_stats(False)`)
/// gives the loss −log(1 − Σ_{k∈N(x)} p̃_k(x)), the argument clamped to [1e-8, 1] as ns3l.py
/// does. T = 0.04 for ten classes there (`NS3L(threshold=0.04)`).
///
/// It is a term any base method adds (`SemiSupervisedClassifier.negativeSampling`), with its
/// own constant weight μ: ns3l.py leaves the weighting to the framework it is plugged into.
/// Like the base terms, the per-example losses are summed and divided by the whole batch
/// (ns3l.py: `(-n_tot * mask).mean()` over labelled and unlabelled rows).
public struct NegativeSampling: UnlabelledRegulariser, Sendable {
  /// T: classes below this probability are negatives.
  public var threshold: Double
  /// μ: the term's weight in the total loss.
  public var weight: Double

  public init(threshold: Double = 0.04, weight: Double = 1) {
    precondition(threshold > 0 && threshold < 1, "NS3L's threshold is a probability in (0, 1), got \(threshold)")
    precondition(weight >= 0, "NS3L's weight cannot be negative, got \(weight)")
    self.threshold = threshold
    self.weight = weight
  }

  /// The negatives N(x) as a 0/1 mask [N, classes] of probabilities [N, classes] (no gradient).
  public func negatives(_ probabilities: Tensor) -> Tensor {
    withNoGrad { (probabilities .< threshold).to(probabilities.dtype) }
  }

  /// −log(clamp(1 − Σ_k mask_k p̃_k, 1e-8, 1)) per row: [N].
  public static func loss(probabilities: Tensor, negatives: Tensor) -> Tensor {
    -(1 - (negatives.detach() * probabilities).sum(1)).clamp(min: 1e-8, max: 1).log()
  }

  public func losses(network: any UnaryLayer, inputs: Tensor, logits: Tensor, labelledCount: Int) -> Tensor {
    let rows = labelledCount..<inputs.size(0)
    let mask = negatives(logits[rows].detach().softmax(dim: 1))
    let second = withoutUpdatingBatchStatistics(of: network) { network(inputs) }
    return Self.loss(probabilities: second[rows].softmax(dim: 1), negatives: mask)
  }
}
