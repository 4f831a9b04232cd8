import Torch

/// Label spreading (Zhou, Bousquet, Lal, Weston and Schölkopf, "Learning with Local and Global
/// Consistency", NeurIPS 2003): the graph-based semi-supervised baseline of FlowGMM's two-moons
/// comparison, as scikit-learn's `LabelSpreading(kernel="rbf")` computes it.
///
/// Over the n labelled and unlabelled training points, W_ij = exp(−γ ‖x_i − x_j‖²) with a zero
/// diagonal, S = D^{−1/2} W D^{−1/2} (D the row sums of W), Y the one-hot labels (zero rows for
/// unlabelled points), and the label distributions F = (1 − α)(I − αS)⁻¹ Y, the fixed point of
/// scikit-learn's iteration F ← αSF + (1 − α)Y (solved exactly here, where scikit-learn stops
/// after 30 iterations or a change below 10⁻³). A point x, seen or new, gets the class
/// distribution Σ_j k(x, x_j) F_j normalised (scikit-learn's `predict_proba`).
public struct LabelSpreading {
  /// The training points [n, d] (float64) the graph is built on.
  public let points: Tensor
  /// F, normalised per row [n, classes] (float64): each training point's spread label distribution.
  public let labelDistributions: Tensor
  /// γ of the RBF kernel and α, the weight of the graph against the given labels.
  public let gamma: Double
  public let alpha: Double

  /// scikit-learn's defaults: γ = 20, α = 0.2.
  public static let defaultGamma = 20.0
  public static let defaultAlpha = 0.2

  /// Spreads `labels` ([L], classes 0..<`classes`) of `labelledPoints` [L, d] over them and
  /// `unlabelledPoints` [U, d].
  public init(
    labelledPoints: Tensor, labels: Tensor, unlabelledPoints: Tensor, classes: Int,
    gamma: Double = defaultGamma, alpha: Double = defaultAlpha
  ) {
    precondition(gamma > 0 && gamma.isFinite, "label spreading's γ must be positive and finite, got \(gamma)")
    precondition(alpha > 0 && alpha < 1, "label spreading's α must lie in (0, 1), got \(alpha)")
    precondition(labels.size(0) == labelledPoints.size(0), "\(labels.size(0)) labels for \(labelledPoints.size(0)) labelled points")
    precondition(labels.size(0) > 0, "label spreading needs at least one labelled point")
    let points = Tensor.cat([labelledPoints, unlabelledPoints]).to(.float64)
    let n = points.size(0)
    let identity = Tensor.eye(n, dtype: .float64)
    let affinity = Self.kernel(points, points, gamma: gamma) * (1 - identity)
    let inverseRoot = affinity.sum(dims: [1]).clamp(min: 1e-300).rsqrt()
    let normalised = inverseRoot.unsqueeze(1) * affinity * inverseRoot.unsqueeze(0)
    let oneHot = labels.oneHot(classes: classes).to(.float64)
    let targets = Tensor.cat([oneHot, Tensor.zeros([n - labels.size(0), classes], dtype: .float64)])
    let spread = (identity - alpha * normalised).solve((1 - alpha) * targets)
    self.points = points
    labelDistributions = spread / spread.sum(dims: [1], keepDim: true).clamp(min: 1e-300)
    self.gamma = gamma
    self.alpha = alpha
  }

  /// exp(−γ ‖a_i − b_j‖²) [A, B] of points a [A, d] and b [B, d].
  static func kernel(_ a: Tensor, _ b: Tensor, gamma: Double) -> Tensor {
    let squared = (a * a).sum(dims: [1]).unsqueeze(1) + (b * b).sum(dims: [1]).unsqueeze(0) - 2 * a.matmul(b.mT)
    return (-gamma * squared.clamp(min: 0)).exp()
  }

  /// Class probabilities [N, classes] (float64) of points `x` [N, d].
  public func probabilities(_ x: Tensor) -> Tensor {
    let weighted = Self.kernel(x.to(.float64), points, gamma: gamma).matmul(labelDistributions)
    return weighted / weighted.sum(dims: [1], keepDim: true).clamp(min: 1e-300)
  }

  /// The most probable class [N] of each point of `x`.
  public func predict(_ x: Tensor) -> Tensor { probabilities(x).argmax(dim: 1) }
}
