import NN
import Torch

/// The Neural Process Family's "transformer" cross-attention (its `TransformerAttender`, after
/// the Image Transformer): multihead scaled dot-product attention whose key and value
/// projections have no bias and whose heads are concatenated without an output projection,
/// then LayerNorm(attended + queries) and LayerNorm(h + MLP(h)) with a one-hidden-layer MLP.
///
/// Queries and keys come in already embedded (the NPF's x-embeddings), so the query size must
/// equal the value size. A task without context gets zeros, as NPF's AttnCNP does.
final class TransformerAttention: Module {
  let keyProjection: Linear
  let queryProjection: Linear
  let valueProjection: Linear
  let firstNorm: LayerNorm
  let feedForward: MLP
  let secondNorm: LayerNorm
  let heads: Int

  init(size: Int, heads: Int) {
    precondition(size % heads == 0, "attention size \(size) is not divisible by \(heads) heads")
    self.heads = heads
    keyProjection = Linear(size, size, bias: false)
    queryProjection = Linear(size, size)
    valueProjection = Linear(size, size, bias: false)
    firstNorm = LayerNorm(size)
    feedForward = MLP([size, size, size])
    secondNorm = LayerNorm(size)
  }

  /// queries [B, Nt, E] (or [1, Nt, E], shared by all B tasks), keys [B, Nc, E], values
  /// [B, Nc, E], keyMask [B, Nc] → [B, Nt, E].
  func callAsFunction(queries: Tensor, keys: Tensor, values: Tensor, keyMask: Tensor) -> Tensor {
    let (queryBatch, queryCount, size) = (queries.size(0), queries.size(1), queries.size(2))
    let (batch, keyCount) = (keys.size(0), keys.size(1))
    let headSize = size / heads
    // [B, L, E] → [B, heads, L, headSize]
    func split(_ x: Tensor, _ batch: Int, _ length: Int) -> Tensor { x.reshape(batch, length, heads, headSize).transpose(1, 2) }
    let q = split(queryProjection(queries) / Double(headSize).squareRoot(), queryBatch, queryCount)
    let k = split(keyProjection(keys), batch, keyCount)
    let v = split(valueProjection(values), batch, keyCount)
    let attended = maskedAttention(logits: q.matmul(k.mT), values: v, keyMask: keyMask).output
    let h = firstNorm(attended.transpose(1, 2).reshape(batch, queryCount, size) + queries)
    let output = secondNorm(h + feedForward(h))
    let mask = keyMask.dtype == output.dtype ? keyMask : keyMask.to(output.dtype)
    return output * (mask.sum(-1) .> 0).to(output.dtype).reshape(batch, 1, 1)
  }
}
