import Datasets
import NN
import Torch

/// Cross-attention from target inputs (queries) to context inputs (keys) over context
/// representations (values), as in the ANP's deterministic path.
///
/// In the ANP-paper architecture keys and queries are raw inputs that go through one shared MLP
/// (the ANP's "mlp" representation); in the NPF architecture they arrive already embedded by
/// the model's x-encoder (`embedsPositions: false`). `uniform` is the plain masked mean and
/// ignores positions.
final class CrossAttention: Module {
  let kind: AttentionKind
  let positionEncoder: MLP?
  let multihead: MultiheadAttention?
  let transformer: TransformerAttention?
  /// Length scale of the Laplace kernel (1 in the ANP code).
  let laplaceScale = 1.0

  init(kind: AttentionKind, xDimension: Int, hiddenSize: Int, heads: Int, embedsPositions: Bool = true) {
    self.kind = kind
    positionEncoder = kind == .uniform || !embedsPositions ? nil : MLP([xDimension, hiddenSize, hiddenSize])
    multihead = kind == .multihead ? MultiheadAttention(embedDimension: hiddenSize, heads: heads) : nil
    transformer = kind == .transformer ? TransformerAttention(size: hiddenSize, heads: heads) : nil
  }

  /// What attention compares for inputs `x` [B, N, Dx] (raw, or embedded by the NPF model):
  /// the shared MLP's output (ANP paper), x itself (NPF), or nil for `uniform`, which ignores
  /// positions. Computed once per point set, so a model can reuse a set's positions.
  func positions(_ x: Tensor) -> Tensor? {
    kind == .uniform ? nil : positionEncoder.map { $0(x) } ?? x
  }

  /// Queries [B, Nt, Dq] (or [1, Nt, Dq], shared by all B tasks) and keys [B, Nc, Dq] as
  /// `positions` gives them (nil for `uniform`), values [B, Nc, H], keyMask [B, Nc] → [B, Nt, H],
  /// or [B, 1, H] for `uniform`, whose one mean per task broadcasts over the targets (the decoder
  /// then does that mean's share of its work once per task).
  func callAsFunction(queries: Tensor?, keys: Tensor?, values: Tensor, keyMask: Tensor) -> Tensor {
    if kind == .uniform { return Masking.mean(values, mask: keyMask).unsqueeze(1) }
    guard let q = queries, let k = keys else { preconditionFailure("\(kind) attention needs query and key positions") }
    switch kind {
    case .laplace:
      let distances = q.expand([k.size(0), q.size(1), q.size(2)]).pairwiseDistances(k, p: 1)  // ‖q − k‖₁: [B, Nt, Nc]
      return maskedAttention(logits: -distances / laplaceScale, values: values, keyMask: keyMask).output
    case .dot:
      let logits = (q / Double(q.size(-1)).squareRoot()).matmul(k.mT)
      return maskedAttention(logits: logits, values: values, keyMask: keyMask).output
    case .multihead:
      return multihead!(query: q, key: k, value: values, keyMask: keyMask).output
    case .transformer:
      return transformer!(queries: q, keys: k, values: values, keyMask: keyMask)
    case .uniform:
      fatalError("unreachable: uniform attention returned above")
    }
  }
}
