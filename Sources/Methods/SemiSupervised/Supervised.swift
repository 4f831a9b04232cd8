import NN
import Torch

/// The supervised baseline of the semi-supervised comparisons (realistic-ssl-evaluation's
/// `consistency_model="none"`, lib/hparams.py `max_cons_multiplier=0`): the labelled
/// cross-entropy alone, the unlabelled batch ignored, with the labelled term every method
/// shares (Σ CE / (L + U), see `SemiSupervisedClassifier`). Adding NS3L to it
/// (`negativeSampling`) gives the "supervised + NS3L" row of the NS3L paper's pairs.
public enum Supervised {
  /// A supervised classifier on `network`; with `negativeSampling` it trains on the
  /// unlabelled rows through that term alone.
  public static func classifier(network: any UnaryLayer, negativeSampling: NegativeSampling? = nil)
    -> SemiSupervisedClassifier
  {
    SemiSupervisedClassifier(
      network: network, regulariser: nil, ramp: RampUp(maximum: 0, warmupSteps: 0), negativeSampling: negativeSampling)
  }
}
