import Torch

/// Multihead scaled dot-product attention with PyTorch's `nn.MultiheadAttention` parameters
/// (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`) and batch-first
/// shapes: query [B, Lq, E], key and value [B, Lk, E].
public final class MultiheadAttention: Module {
  public let inProjWeight: Tensor
  public let inProjBias: Tensor
  public let outProj: Linear
  public let heads: Int

  public init(embedDimension: Int, heads: Int) {
    precondition(embedDimension % heads == 0, "embedding size \(embedDimension) is not divisible by \(heads) heads")
    self.heads = heads
    inProjWeight = Init.xavierUniform([3 * embedDimension, embedDimension])
    inProjBias = Init.zeros([3 * embedDimension])
    let projection = Linear(embedDimension, embedDimension)
    withNoGrad { projection.bias!.fill_(0) }
    outProj = projection
  }

  /// The attended values [B, Lq, E] and the attention weights averaged over heads [B, Lq, Lk].
  ///
  /// `keyMask` [B, Lk] holds 1 (or true) for keys to attend to and 0 for padding — the
  /// opposite of PyTorch's `key_padding_mask`. A query with no key to attend to gets zero
  /// weights (PyTorch returns NaN there), so an empty set reads as "nothing observed".
  /// `attentionBias` [Lq, Lk] or [B·heads, Lq, Lk] is added to the logits (−∞ forbids a pair).
  public func callAsFunction(
    query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor? = nil, attentionBias: Tensor? = nil
  ) -> (output: Tensor, weights: Tensor) {
    let (batch, queries, size) = (query.size(0), query.size(1), query.size(2))
    let keys = key.size(1)
    let headSize = size / heads
    let w = inProjWeight.chunk(3)
    let b = inProjBias.chunk(3)
    // [B, L, E] → [B, heads, L, headSize]
    func split(_ x: Tensor, _ length: Int) -> Tensor { x.reshape(batch, length, heads, headSize).transpose(1, 2) }
    let q = split(linear(query, weight: w[0], bias: b[0]), queries)
    let k = split(linear(key, weight: w[1], bias: b[1]), keys)
    let v = split(linear(value, weight: w[2], bias: b[2]), keys)
    var logits = q.matmul(k.mT) / Double(headSize).squareRoot()  // [B, heads, Lq, Lk]
    if let attentionBias {
      logits = logits + (attentionBias.rank == 3 ? attentionBias.reshape(batch, heads, queries, keys) : attentionBias)
    }
    let weights = keyMask.map { maskedSoftmax(logits, keyMask: $0) } ?? logits.softmax(dim: -1)
    let attended = weights.matmul(v).transpose(1, 2).reshape(batch, queries, size)
    return (outProj(attended), weights.mean(1))
  }
}

/// Softmax over the last dimension of attention logits [B, ..., Lk] that ignores keys whose
/// `keyMask` [B, Lk] entry is 0 (or false); a row with no key left gets all-zero weights.
public func maskedSoftmax(_ logits: Tensor, keyMask: Tensor) -> Tensor {
  var mask = keyMask.dtype == logits.dtype ? keyMask : keyMask.to(logits.dtype)
  while mask.rank < logits.rank { mask = mask.unsqueeze(1) }
  return logits.maskedFill(mask .== 0, -1e30).softmax(dim: -1) * mask
}
