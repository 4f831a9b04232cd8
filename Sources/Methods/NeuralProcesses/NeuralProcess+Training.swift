import Datasets
import Torch
import Training

/// A batch of regression tasks for a Neural Process step: curves from a GP or pixels of images.
public struct NeuralProcessTasks {
  public var context: PointSet
  public var target: PointSet
  /// Where each context point lies among its task's targets (see `NeuralProcess.loss`), if known.
  public var contextIndices: Tensor?

  public init(context: PointSet, target: PointSet, contextIndices: Tensor? = nil) {
    self.context = context
    self.target = target
    self.contextIndices = contextIndices
  }
}

/// One Adam step on the negative log-likelihood (or ELBO) per target point; a latent model also
/// reports its KL term.
extension NeuralProcess: Objective {
  public func step(_ batch: NeuralProcessTasks, optimizers: Optimizers) -> LossTerms {
    let parts = loss(context: batch.context, target: batch.target, contextIndices: batch.contextIndices)
    optimizers.minimize(parts.loss)
    guard let kl = parts.kl else { return ["loss": parts.loss.item()] }
    return ["loss": parts.loss.item(), "kl": kl.mean().item()]
  }
}
