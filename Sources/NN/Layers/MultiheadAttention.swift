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

  /// The attended values [B, Lq, E] and, when `needWeights`, the attention weights averaged
  /// over heads [B, Lq, Lk] (training never needs them, and they cost a pass over the
  /// [B, heads, Lq, Lk] weights).
  ///
  /// `keyMask` [B, Lk] holds 1 (or true) for keys to attend to and 0 for padding — the
  /// opposite of PyTorch's `key_padding_mask`. A query with no key to attend to gets zero
  /// weights (PyTorch returns NaN there), so an empty set reads as "nothing observed".
  /// `attentionBias` [Lq, Lk] or [B·heads, Lq, Lk] is added to the logits (−∞ forbids a pair).
  /// A query batch of 1 is shared by all B key sets (e.g. one pixel grid queried in every
  /// image): its projection is then computed once, not B times.
  public func callAsFunction(
    query: Tensor, key: Tensor, value: Tensor, keyMask: Tensor? = nil, attentionBias: Tensor? = nil,
    needWeights: Bool = false
  ) -> (output: Tensor, weights: Tensor?) {
    let (queryBatch, queries, size) = (query.size(0), query.size(1), query.size(2))
    let (batch, keys) = (key.size(0), key.size(1))
    let headSize = size / heads
    let w = inProjWeight.chunk(3)
    let b = inProjBias.chunk(3)
    // [B, L, E] → [B, heads, L, headSize]
    func split(_ x: Tensor, _ batch: Int, _ length: Int) -> Tensor { x.reshape(batch, length, heads, headSize).transpose(1, 2) }
    // Scaling the queries rather than the logits touches Lq·E numbers instead of heads·Lq·Lk.
    let q = split(linear(query, weight: w[0], bias: b[0]) / Double(headSize).squareRoot(), queryBatch, queries)
    let k = split(linear(key, weight: w[1], bias: b[1]), batch, keys)
    let v = split(linear(value, weight: w[2], bias: b[2]), batch, keys)
    var logits = q.matmul(k.mT)  // [B, heads, Lq, Lk]
    if let attentionBias {
      logits = logits + (attentionBias.rank == 3 ? attentionBias.reshape(batch, heads, queries, keys) : attentionBias)
    }
    let (attended, weights) = maskedAttention(logits: logits, values: v, keyMask: keyMask, needWeights: needWeights)
    return (outProj(attended.transpose(1, 2).reshape(batch, queries, size)), weights?.mean(1))
  }
}

/// softmax(`logits`) · `values` over keys, ignoring keys whose `keyMask` [B, Lk] entry is 0 (or
/// false); a query with no key left attends to nothing and gets zeros. `logits` [B, ..., Lq, Lk],
/// `values` [B, ..., Lk, D] → [B, ..., Lq, D], and the weights when `needWeights`.
///
/// The mask is added to the logits as a [B, 1, …, Lk] bias and empty sets are zeroed on the
/// (small) output, so the only passes over the [B, …, Lq, Lk] logits are the softmax's.
public func maskedAttention(
  logits: Tensor, values: Tensor, keyMask: Tensor?, needWeights: Bool = false
) -> (output: Tensor, weights: Tensor?) {
  guard let keyMask else {
    let weights = logits.softmax(dim: -1)
    return (weights.matmul(values), needWeights ? weights : nil)
  }
  let batch = logits.size(0), keys = logits.size(-1)
  let mask = keyMask.dtype == logits.dtype ? keyMask : keyMask.to(logits.dtype)
  let broadcast = [batch] + Array(repeating: 1, count: logits.rank - 2)
  let bias = ((mask - 1) * 1e30).reshape(broadcast + [keys])
  let weights = (logits + bias).softmax(dim: -1)
  let hasKeys = (mask.sum(-1) .> 0).to(logits.dtype).reshape(broadcast + [1])
  return (weights.matmul(values) * hasKeys, needWeights ? weights * hasKeys : nil)
}
