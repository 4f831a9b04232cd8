import Foundation
import Torch

/// The logit preprocessing of images in [0, 1]: optional uniform dequantisation, then
/// y = logit(α + (1 − 2α) x), so the flow models unbounded values and never meets the logit's
/// infinities at 0 and 1. RealNVP (Dinh et al. 2017) models images through a logit too;
/// the symmetric form here, which keeps the logit's argument in [α, 1 − α], is the official
/// FlowGMM code's.
///
/// With `levels` set (256 for 8-bit images), x ∈ {0, 1/(levels−1), …, 1} first becomes
/// x̃ = (x · (levels − 1) + u) / levels with u ~ U[0, 1) per element, in training and in
/// evaluation alike, as the official FlowGMM code does (flow_ssl/invertible/downsample.py
/// `iLogits`: `(x * 255. + torch.rand_like(x)) / 256.`); the density is then that of x̃ on
/// [0, 1]ᴰ, and `bitsPerDimension` turns it into the discrete data's. α = 0.05 is the
/// official `cnstr = 0.9` (p = (1 + 0.9 (2x̃ − 1)) / 2 = 0.05 + 0.9 x̃).
///
/// The log-determinant with respect to x̃ is exact: with p = α + (1 − 2α) x̃,
/// ∂y/∂x̃ = (1 − 2α) / (p (1 − p)), and log p(1 − p) = −softplus(y) − softplus(−y), so
/// log|det| = Σ [log(1 − 2α) + softplus(y) + softplus(−y)]. The inverse is exact too:
/// x̃ = (sigmoid(y) − α) / (1 − 2α) (flow_ssl's inverse is sigmoid(y) alone).
public final class LogitTransform: Module, InvertibleLayer {
  public let alpha: Double
  /// Quantisation levels of the input for dequantisation, or nil to take x as it is.
  public let levels: Int?

  public init(alpha: Double = 0.05, levels: Int? = nil) {
    precondition(alpha >= 0 && alpha < 0.5, "the logit transform's α must lie in [0, 0.5), got \(alpha)")
    precondition(levels.map { $0 >= 2 } ?? true, "dequantisation needs at least 2 levels, got \(levels!)")
    self.alpha = alpha
    self.levels = levels
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) {
    var v = x
    if let levels { v = (x * Double(levels - 1) + Tensor.rand(x.shape, dtype: x.dtype)) / Double(levels) }
    let p = alpha + (1 - 2 * alpha) * v
    let y = p.log() - (1 - p).log()
    let perElement = y.softplus() + (-y).softplus() + Foundation.log(1 - 2 * alpha)
    return (y, perElement.flatten(from: 1).sum(1))
  }

  public func inverse(_ y: Tensor) -> Tensor { (y.sigmoid() - alpha) / (1 - 2 * alpha) }
}
