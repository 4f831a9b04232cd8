import Torch

/// RealNVP's multi-scale factoring-out (Dinh et al. 2017): the first `kept`
/// channels (or features) go on through `rest`, the others leave the flow as latent variables
/// unchanged, so later, deeper layers work on fewer dimensions. The output keeps the input's
/// shape, the transformed channels first and the factored-out ones after them, as in
/// chrischute/real-nvp (whose RealNVP FlowGMM's is adapted from); flow_ssl's `keepChannels`
/// instead collects the factored parts in a list and flattens them at the end, the same
/// latent variables in another order. `rest` must keep the shape of what it is given.
public final class FactorOut: Module, InvertibleLayer {
  public let kept: Int
  public let rest: any InvertibleLayer

  public init(keeping kept: Int, then rest: any InvertibleLayer) {
    precondition(kept >= 1, "factoring out must keep at least one channel, got \(kept)")
    self.kept = kept
    self.rest = rest
  }

  func parts(_ x: Tensor) -> (kept: Tensor, out: Tensor) {
    precondition(
      x.rank >= 2 && x.size(1) > kept, "factoring out keeps \(kept) channels of dimension 1, which \(x.shape) does not exceed")
    let pieces = x.split(sizes: [kept, x.size(1) - kept], dim: 1)
    return (pieces[0], pieces[1])
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    let (inner, out) = parts(x)
    let (y, logDet) = rest.forward(inner)
    precondition(y.shape == inner.shape, "the flow after a factor-out must keep its input shape \(inner.shape), got \(y.shape)")
    return (Tensor.cat([y, out], dim: 1), logDet)
  }

  public func inverse(_ y: Tensor) -> Tensor {
    let (inner, out) = parts(y)
    return Tensor.cat([rest.inverse(inner), out], dim: 1)
  }
}
