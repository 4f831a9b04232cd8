import Torch

/// Categorical distributions over the last dimension of `logits` (unnormalised log-probabilities).
public struct Categorical {
  /// Normalised log-probabilities.
  public let logits: Tensor

  public init(logits: Tensor) { self.logits = logits.logSoftmax(dim: -1) }

  public init(probabilities: Tensor) { self.init(logits: probabilities.clamp(min: 1e-38).log()) }

  public var probabilities: Tensor { logits.exp() }

  /// log p(class) for int64 class indices shaped like the batch dimensions.
  public func logProb(_ classes: Tensor) -> Tensor {
    logits.gather(dim: -1, index: classes.unsqueeze(-1)).squeeze(-1)
  }

  /// Class indices drawn for each batch element.
  public func sample() -> Tensor {
    withNoGrad {
      let batch = Array(logits.shape.dropLast())
      let flat = probabilities.reshape(-1, logits.size(-1))
      return flat.multinomial(samples: 1, replacement: true).reshape(batch)
    }
  }

  public func entropy() -> Tensor { -(probabilities * logits).sum(-1) }
}
