import NN
import Torch

/// The Π-model (Laine and Aila, "Temporal Ensembling for Semi-Supervised Learning", ICLR
/// 2017): two stochastic passes over the same unlabelled input (different dropout masks and
/// noise) should agree; the loss is the mean squared difference of their softmax outputs,
/// averaged over the classes.
///
/// As realistic-ssl-evaluation does (lib/ssl_framework.py `prediction`, `pi_model`): the first
/// pass (the one that also gives the labelled logits) is the student and carries the
/// gradient, the second pass is the target with its gradient stopped and does not update
/// batch-norm statistics; lib/ssl_utils.py `mse_from_logits` averages over the classes.
/// Its hyper-parameters there (lib/hparams.py): λ_max 20, warm-up 200,000 steps, Adam 3e-4.
public struct PiModel: UnlabelledRegulariser {
  public init() {}

  /// Realistic-ssl-evaluation's ramp for the Π-model: λ_max 20 over 200,000 steps.
  public static let referenceRamp = RampUp(maximum: 20, warmupSteps: 200_000)

  /// Per-row mean over the classes of (softmax(student) − softmax(target))², the target's
  /// gradient stopped: [N] for logits [N, classes].
  public static func squaredDifference(student: Tensor, target: Tensor) -> Tensor {
    (student.softmax(dim: 1) - target.detach().softmax(dim: 1)).square().mean(1)
  }

  public func losses(network: any UnaryLayer, inputs: Tensor, logits: Tensor, labelledCount: Int) -> Tensor {
    let second = withoutUpdatingBatchStatistics(of: network) { network(inputs) }
    let rows = labelledCount..<inputs.size(0)
    return Self.squaredDifference(student: logits[rows], target: second[rows])
  }

  /// A Π-model classifier, optionally with NS3L's term.
  public static func classifier(
    network: any UnaryLayer, ramp: RampUp = referenceRamp, negativeSampling: NegativeSampling? = nil
  ) -> SemiSupervisedClassifier {
    SemiSupervisedClassifier(network: network, regulariser: PiModel(), ramp: ramp, negativeSampling: negativeSampling)
  }
}
