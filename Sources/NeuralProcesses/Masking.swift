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

  /// Softmax over the last dimension of attention logits [B, (heads,) Nq, Nk] that ignores
  /// padded keys; a query with no real key gets all-zero weights (the mean of nothing).
  static func softmax(_ logits: Tensor, keyMask: Tensor) -> Tensor {
    var mask = keyMask.unsqueeze(1)  // [B, 1, Nk]
    while mask.rank < logits.rank { mask = mask.unsqueeze(1) }
    let weights = logits.maskedFill(mask .== 0, -1e30).softmax(dim: -1)
    return weights * mask
  }
}
