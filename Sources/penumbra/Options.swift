import ArgumentParser
import Datasets
import NeuralProcesses
import Uncertainty

extension NeuralProcessKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension NeuralProcessArchitecture: ExpressibleByArgument {}
extension CurveProtocol: ExpressibleByArgument {}
extension CurveKernel: ExpressibleByArgument {}
extension LatentDraws: ExpressibleByArgument {
  /// The `--z-from` help of `np train` and `np eval`.
  static let help = ArgumentHelp(
    """
    Latent models: draw z from q(z | context), the predictive (context); from q(z | targets) weighted by \
    q(z | context) / q(z | targets), an importance-sampled estimate of the same predictive log-likelihood, far \
    less biased low when q(z | context) is wide (importance); or from q(z | targets) without the weights, as \
    NPF's code scores its LNP and AttnLNP (targets: optimistic, for comparing with NPF's published numbers only).
    """)
}
extension ImageOODEvaluationKind.Detector: ExpressibleByArgument {}
