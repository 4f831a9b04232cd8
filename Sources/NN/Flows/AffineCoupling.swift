import Torch

/// Which elements an affine coupling passes through unchanged (the identity part, which the
/// coupling network reads) and which it transforms: RealNVP's spatial checkerboard and
/// channel-wise masks for images [N, C, H, W] (Dinh, Sohl-Dickstein and Bengio, ICLR 2017),
/// and a binary mask over the features of tabular data [N, D] (the official FlowGMM code's
/// `MaskTabular`). Which half is the identity follows the official code
/// (flow_ssl/realnvp/coupling_layer.py, `reverse_mask` false / true).
public enum CouplingMask: Sendable, Equatable {
  /// Images: the identity part is the pixels with (row + column) odd, or even when `reversed`
  /// (flow_ssl/realnvp/utils.py `checkerboard_mask`).
  case checkerboard(reversed: Bool)
  /// Images: the identity part is the second half of the channels, or the first when
  /// `reversed` (`MaskChannelwise`); the coupling network sees only those C/2 channels.
  case channelWise(reversed: Bool)
  /// Tabular data [N, D]: the identity part is the features where `kept` is true.
  case binary(kept: [Bool])

  /// The tabular mask of the official code (`MaskTabular`): the first ⌊D/2⌋ features kept,
  /// or the others when `reversed`.
  public static func halves(features: Int, reversed: Bool) -> CouplingMask {
    precondition(features >= 2, "a tabular coupling needs at least 2 features, got \(features)")
    let split = features / 2
    return .binary(kept: (0..<features).map { reversed ? $0 >= split : $0 < split })
  }
}

/// How the coupling network's raw scale output a becomes the log-scale s.
public enum CouplingScale: Sendable, Equatable {
  /// s = tanh(a): every log-scale in (−1, 1).
  case tanh
  /// s = w ⊙ tanh(a) with a learnt factor w per channel (images) or feature (tabular data),
  /// initialised to 1: the rescaled tanh of the official FlowGMM code (`Rescale`,
  /// `RescaleTabular` under `nn.utils.weight_norm`; for a weight with one element per channel
  /// weight normalisation's g · v/‖v‖ over the remaining dimensions is g · sign(v), so a
  /// plain factor is the same function of the same number of parameters).
  case learntTanh
}

/// An affine coupling layer (RealNVP; Dinh, Sohl-Dickstein and Bengio, ICLR 2017), in its
/// masked form: with b the mask of the identity part,
///
///   y = b ⊙ x + (1 − b) ⊙ (x ⊙ exp(s(b ⊙ x)) + t(b ⊙ x)),   log|det ∂y/∂x| = Σ (1 − b) ⊙ s,
///
/// where s and t come from one network: its output has twice the channels (or features) of
/// its input, the first half the raw scale, the second the translation (`st.chunk(2, dim=1)`
/// as in flow_ssl). The Jacobian is triangular, so its determinant is the product of the
/// scales, and the inverse needs no inverse of the network: x = (y − t) ⊙ exp(−s) on the
/// transformed part. (The official code writes the transformed part as (x + t) ⊙ exp(s); here
/// it is the paper's x ⊙ exp(s) + t.)
///
/// For the checkerboard and binary masks the network reads the whole masked input b ⊙ x (C
/// channels or D features in, 2C or 2D out); for the channel-wise mask it reads the identity
/// half (C/2 channels in, C out).
public final class AffineCoupling: Module, InvertibleLayer {
  public let mask: CouplingMask
  public let scaleKind: CouplingScale
  /// s and t of the identity part.
  public let network: any UnaryLayer
  /// w of `.learntTanh`: [C, 1, 1] for images (C the channels the scale applies to), [D] for
  /// tabular data.
  public let scale: Tensor?

  /// `width` is the number of channels (images) or features (tabular data) of the input.
  public init(mask: CouplingMask, width: Int, network: any UnaryLayer, scale: CouplingScale = .learntTanh) {
    precondition(width >= 1, "a coupling needs at least one channel or feature, got \(width)")
    switch mask {
    case .channelWise:
      precondition(width >= 2 && width % 2 == 0, "a channel-wise coupling needs an even number of channels, got \(width)")
    case .binary(let kept):
      precondition(kept.count == width, "the binary mask has \(kept.count) entries for \(width) features")
      precondition(kept.contains(true) && kept.contains(false), "a binary mask must keep some features and change others")
    case .checkerboard:
      break
    }
    self.mask = mask
    self.scaleKind = scale
    self.network = network
    switch (scale, mask) {
    case (.tanh, _): self.scale = nil
    case (.learntTanh, .checkerboard): self.scale = Init.ones([width, 1, 1])
    case (.learntTanh, .channelWise): self.scale = Init.ones([width / 2, 1, 1])
    case (.learntTanh, .binary): self.scale = Init.ones([width])
    }
  }

  /// The mask b (1 on the identity part) for input `x`, broadcastable against it.
  func identityMask(like x: Tensor) -> Tensor {
    switch mask {
    case .checkerboard(let reversed):
      precondition(x.rank == 4, "a checkerboard coupling takes images [N, C, H, W], got \(x.shape)")
      let rows = Tensor.arange(Double(x.size(2))).reshape(-1, 1)
      let columns = Tensor.arange(Double(x.size(3))).reshape(1, -1)
      let odd = (rows + columns).remainder(2).to(x.dtype)
      return (reversed ? 1 - odd : odd).reshape(1, 1, x.size(2), x.size(3))
    case .binary(let kept):
      precondition(x.rank == 2 && x.size(1) == kept.count, "a binary-mask coupling takes [N, \(kept.count)], got \(x.shape)")
      return Tensor(kept.map { $0 ? 1.0 : 0.0 }, shape: [1, kept.count], dtype: x.dtype)
    case .channelWise:
      preconditionFailure("a channel-wise coupling splits channels instead of masking")
    }
  }

  /// Log-scale s and translation t from the identity part's network input.
  func scaleAndShift(_ input: Tensor) -> (s: Tensor, t: Tensor) {
    let st = network(input)
    let parts = st.chunk(2, dim: 1)
    precondition(
      parts.count == 2 && parts[0].shape == parts[1].shape,
      "the coupling network must output twice the channels of the part it changes, got \(st.shape)")
    var s = parts[0].tanh()
    if let scale { s = scale * s }
    return (s, parts[1])
  }

  /// The identity half and the changed half of a channel-wise split, and how to rejoin them.
  func split(_ x: Tensor, reversed: Bool) -> (identity: Tensor, changed: Tensor) {
    precondition(x.rank >= 2 && x.size(1) % 2 == 0, "a channel-wise coupling needs an even channel count, got \(x.shape)")
    let halves = x.chunk(2, dim: 1)
    return reversed ? (halves[0], halves[1]) : (halves[1], halves[0])
  }

  func join(identity: Tensor, changed: Tensor, reversed: Bool) -> Tensor {
    reversed ? Tensor.cat([identity, changed], dim: 1) : Tensor.cat([changed, identity], dim: 1)
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    switch mask {
    case .channelWise(let reversed):
      let (identity, changed) = split(x, reversed: reversed)
      let (s, t) = scaleAndShift(identity)
      let y = changed * s.exp() + t
      return (join(identity: identity, changed: y, reversed: reversed), s.flatten(from: 1).sum(1))
    case .checkerboard, .binary:
      let b = identityMask(like: x)
      var (s, t) = scaleAndShift(x * b)
      // Zero on the identity part, so there exp(s) = 1 and t = 0 leave x as it is.
      s = s * (1 - b)
      t = t * (1 - b)
      return (x * s.exp() + t, s.flatten(from: 1).sum(1))
    }
  }

  public func inverse(_ y: Tensor) -> Tensor {
    switch mask {
    case .channelWise(let reversed):
      let (identity, changed) = split(y, reversed: reversed)
      let (s, t) = scaleAndShift(identity)
      return join(identity: identity, changed: (changed - t) * (-s).exp(), reversed: reversed)
    case .checkerboard, .binary:
      let b = identityMask(like: y)
      let (s, t) = scaleAndShift(y * b)
      return (y - t * (1 - b)) * (-(s * (1 - b))).exp()
    }
  }
}
