import NN
import Torch

/// Pseudo-labelling (Lee, "Pseudo-Label: The Simple and Efficient Semi-Supervised Learning
/// Method for Deep Neural Networks", ICML 2013 workshop): an unlabelled example the network
/// already classifies confidently is trained towards its own most probable class.
///
/// In the form of realistic-ssl-evaluation (lib/ssl_framework.py `pseudo_label`, lib/hparams.py):
/// an example is confident when its largest class probability exceeds the threshold 0.95; its
/// target is the softmax of 10 × the one-hot of its argmax (one-hot vectors "made to look like
/// logits"), and the loss is the reverse KL, KL(target ‖ p), with the target's gradient
/// stopped. A less confident example gets its own logits as target there, whose KL is zero in
/// value and gradient, so here it is simply masked out. λ_max 1, warm-up 200,000 steps, Adam 3e-4.
public struct PseudoLabel: UnlabelledRegulariser {
  /// The probability a prediction must exceed to become a pseudo-label.
  public var threshold: Double

  public init(threshold: Double = 0.95) {
    precondition(threshold > 0 && threshold < 1, "the pseudo-label threshold is a probability in (0, 1), got \(threshold)")
    self.threshold = threshold
  }

  /// Realistic-ssl-evaluation's ramp for pseudo-labelling: λ_max 1 over 200,000 steps.
  public static let referenceRamp = RampUp(maximum: 1, warmupSteps: 200_000)

  public func losses(network: any UnaryLayer, inputs: Tensor, logits: Tensor, labelledCount: Int) -> Tensor {
    Self.losses(logits: logits[labelledCount..<inputs.size(0)], threshold: threshold)
  }

  /// KL(softmax(10 · onehot(argmax p)) ‖ p) where max p > threshold, else 0: [N] for logits [N, classes].
  public static func losses(logits: Tensor, threshold: Double) -> Tensor {
    let classes = logits.size(1)
    let (confidence, predicted) = withNoGrad { logits.softmax(dim: 1).max(dim: 1) }
    let target = withNoGrad { (10 * predicted.oneHot(classes: classes).to(logits.dtype)).softmax(dim: 1) }
    let logTarget = target.log()
    let kl = (target * (logTarget - logits.logSoftmax(dim: 1))).sum(1)
    return kl * (confidence .> threshold).to(logits.dtype)
  }

  /// A pseudo-labelling classifier, optionally with NS3L's term.
  public static func classifier(
    network: any UnaryLayer, threshold: Double = 0.95, ramp: RampUp = referenceRamp,
    negativeSampling: NegativeSampling? = nil
  ) -> SemiSupervisedClassifier {
    SemiSupervisedClassifier(
      network: network, regulariser: PseudoLabel(threshold: threshold), ramp: ramp, negativeSampling: negativeSampling)
  }
}
