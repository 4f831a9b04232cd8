import Datasets
import NN
import Torch

/// Cross-attention from target inputs (queries) to context inputs (keys) over context
/// representations (values), as in the ANP's deterministic path.
///
/// Keys and queries go through one shared MLP (the ANP's "mlp" representation) except for
/// `uniform`, which is the plain masked mean and ignores positions.
final class CrossAttention: Module {
  let kind: AttentionKind
  let positionEncoder: MLP?
  let multihead: MultiheadAttention?
  /// Length scale of the Laplace kernel (1 in the ANP code).
  let laplaceScale = 1.0

  init(kind: AttentionKind, xDimension: Int, hiddenSize: Int, heads: Int) {
    self.kind = kind
    positionEncoder = kind == .uniform ? nil : MLP([xDimension, hiddenSize, hiddenSize])
    multihead = kind == .multihead ? MultiheadAttention(embedDimension: hiddenSize, heads: heads) : nil
  }

  /// queries [B, Nt, Dx], keys [B, Nc, Dx], values [B, Nc, H], keyMask [B, Nc] → [B, Nt, H].
  func callAsFunction(queries: Tensor, keys: Tensor, values: Tensor, keyMask: Tensor) -> Tensor {
    guard let positionEncoder else {
      let mean = Masking.mean(values, mask: keyMask).unsqueeze(1)
      return mean.expand(-1, queries.size(1), -1)
    }
    let q = positionEncoder(queries)
    let k = positionEncoder(keys)
    switch kind {
    case .laplace:
      let distances = q.pairwiseDistances(k, p: 1)  // ‖q − k‖₁: [B, Nt, Nc]
      return maskedAttention(logits: -distances / laplaceScale, values: values, keyMask: keyMask).output
    case .dot:
      let logits = (q / Double(q.size(-1)).squareRoot()).matmul(k.mT)
      return maskedAttention(logits: logits, values: values, keyMask: keyMask).output
    case .multihead:
      return multihead!(query: q, key: k, value: values, keyMask: keyMask).output
    case .uniform:
      fatalError("unreachable: uniform attention has no position encoder")
    }
  }
}
