import Datasets
import Torch

/// Padding masks: a batch mixes tasks with different context and target counts, padded to
/// the largest; a float mask [B, N] holds 1 for real points and 0 for padding.
enum Masking {
  /// Mean over dimension 1 of `values` [B, N, H] counting only masked-in rows; zeros for an empty set.
  static func mean(_ values: Tensor, mask: Tensor) -> Tensor {
    let weights = mask.unsqueeze(-1)
    return (values * weights).sum(1) / weights.sum(1).clamp(min: 1)
  }

  /// Sum over dimension 1 of per-point values [B, N] counting only masked-in points.
  static func sum(_ values: Tensor, mask: Tensor) -> Tensor { (values * mask).sum(1) }
}
