import Torch

/// Space-to-depth: [N, C, H, W] → [N, 4C, H/2, W/2] for factor 2, each 2 × 2 block of a
/// channel becoming 4 channels (RealNVP's squeezing operation, Dinh et al. 2017).
/// Output channel c·r² + i·r + j holds pixel (i, j) of each block of input channel c, the
/// order of flow_ssl's `squeeze` and of PyTorch's `pixel_unshuffle`, so `Unsqueeze`
/// (`pixel_shuffle`) undoes it. A permutation: its log-determinant is 0.
public final class Squeeze: Module, InvertibleLayer {
  public let factor: Int

  public init(factor: Int = 2) {
    precondition(factor >= 2, "a squeeze factor must be at least 2, got \(factor)")
    self.factor = factor
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    (Self.squeeze(x, factor: factor), Tensor.zeros([x.size(0)], dtype: x.dtype))
  }

  public func inverse(_ y: Tensor) -> Tensor { Self.unsqueeze(y, factor: factor) }

  static func squeeze(_ x: Tensor, factor r: Int) -> Tensor {
    precondition(
      x.rank == 4 && x.size(2) % r == 0 && x.size(3) % r == 0,
      "squeezing by \(r) needs images [N, C, H, W] with H and W divisible by \(r), got \(x.shape)")
    let (n, c, h, w) = (x.size(0), x.size(1), x.size(2), x.size(3))
    return x.reshape(n, c, h / r, r, w / r, r).permute(0, 1, 3, 5, 2, 4).reshape(n, c * r * r, h / r, w / r)
  }

  static func unsqueeze(_ y: Tensor, factor r: Int) -> Tensor {
    precondition(
      y.rank == 4 && y.size(1) % (r * r) == 0,
      "unsqueezing by \(r) needs images [N, C, H, W] with C divisible by \(r * r), got \(y.shape)")
    return pixelShuffle(y, factor: r)
  }
}

/// Depth-to-space, the inverse of `Squeeze`: [N, 4C, H, W] → [N, C, 2H, 2W] for factor 2.
/// It closes a scale of a multi-scale flow so the scale keeps its input's shape (as in
/// chrischute/real-nvp, the code FlowGMM's RealNVP is adapted from).
public final class Unsqueeze: Module, InvertibleLayer {
  public let factor: Int

  public init(factor: Int = 2) {
    precondition(factor >= 2, "an unsqueeze factor must be at least 2, got \(factor)")
    self.factor = factor
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    (Squeeze.unsqueeze(x, factor: factor), Tensor.zeros([x.size(0)], dtype: x.dtype))
  }

  public func inverse(_ y: Tensor) -> Tensor { Squeeze.squeeze(y, factor: factor) }
}
