import Torch

/// Multi-scale RealNVP for images [N, C, H, W] in [0, 1] (Dinh et al. 2017, as the
/// official FlowGMM code's `RealNVP` lays it out, flow_ssl/realnvp/realnvp.py): the logit
/// transform, then per scale three checkerboard couplings (masks alternating), and
///
/// - at the last scale a fourth checkerboard coupling;
/// - otherwise a squeeze, three channel-wise couplings on the 4C channels, and a factor-out
///   keeping 2C of them for the next scale (with twice the hidden channels), closed by an
///   unsqueeze so each scale keeps its input's shape (see `FactorOut`).
///
/// The latent z has the input's shape. Coupling networks are `CouplingConvNet`s (not the
/// official ResNets with batch and weight normalisation), sized by `hidden` and `blocks`.
public final class RealNVP: Module, InvertibleLayer {
  public let preprocessing: LogitTransform
  public let body: SequentialFlow

  public init(
    channels: Int, scales: Int = 2, hidden: Int = 64, blocks: Int = 1, alpha: Double = 0.05, levels: Int? = 256,
    scale: CouplingScale = .learntTanh, zeroInitialisedOutput: Bool = true
  ) {
    precondition(channels >= 1 && scales >= 1, "RealNVP needs channels ≥ 1 and scales ≥ 1, got \(channels), \(scales)")
    preprocessing = LogitTransform(alpha: alpha, levels: levels)
    func coupling(_ mask: CouplingMask, _ c: Int, _ hidden: Int) -> AffineCoupling {
      let inputs = if case .channelWise = mask { c / 2 } else { c }
      let outputs = if case .channelWise = mask { c } else { 2 * c }
      let network = CouplingConvNet(
        inputChannels: inputs, hidden: hidden, outputChannels: outputs, blocks: blocks,
        zeroInitialisedOutput: zeroInitialisedOutput)
      return AffineCoupling(mask: mask, width: c, network: network, scale: scale)
    }
    func level(_ index: Int, channels c: Int, hidden: Int) -> SequentialFlow {
      var layers: [any InvertibleLayer] = [
        coupling(.checkerboard(reversed: false), c, hidden), coupling(.checkerboard(reversed: true), c, hidden),
        coupling(.checkerboard(reversed: false), c, hidden),
      ]
      if index == scales - 1 {
        layers.append(coupling(.checkerboard(reversed: true), c, hidden))
      } else {
        layers.append(Squeeze())
        layers += [
          coupling(.channelWise(reversed: false), 4 * c, 2 * hidden),
          coupling(.channelWise(reversed: true), 4 * c, 2 * hidden),
          coupling(.channelWise(reversed: false), 4 * c, 2 * hidden),
        ]
        layers.append(FactorOut(keeping: 2 * c, then: level(index + 1, channels: 2 * c, hidden: 2 * hidden)))
        layers.append(Unsqueeze())
      }
      return SequentialFlow(layers)
    }
    body = level(0, channels: channels, hidden: hidden)
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    let (y, logDet) = preprocessing.forward(x)
    let (z, bodyLogDet) = body.forward(y)
    return (z, logDet + bodyLogDet)
  }

  public func inverse(_ z: Tensor) -> Tensor { preprocessing.inverse(body.inverse(z)) }
}
