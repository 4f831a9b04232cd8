import Torch

/// Invertible layers applied in order; the log-determinants add up and the inverse runs the
/// layers' inverses backwards (flow_ssl's `iSequential`). Parameters are named by position,
/// `0.network...`, as `nn.Sequential` names them.
public final class SequentialFlow: Module, InvertibleLayer {
  public let layers: [any InvertibleLayer]
  public override class var unnamedContainers: Set<String> { ["layers"] }

  public init(_ layers: [any InvertibleLayer]) {
    precondition(!layers.isEmpty, "a sequential flow needs at least one layer")
    self.layers = layers
  }

  public convenience init(_ layers: any InvertibleLayer...) { self.init(layers) }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    var y = x
    var total: Tensor?
    for layer in layers {
      let (output, logDet) = layer.forward(y)
      y = output
      total = total.map { $0 + logDet } ?? logDet
    }
    return (y, total!)
  }

  public func inverse(_ y: Tensor) -> Tensor { layers.reversed().reduce(y) { $1.inverse($0) } }
}
