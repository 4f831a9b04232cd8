import Torch

/// y = x Wᵀ + b, initialised as PyTorch's `nn.Linear`.
public final class Linear: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor?

  public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true) {
    weight = Init.kaimingUniform([outputSize, inputSize], a: 5.0.squareRoot())
    self.bias = bias ? Init.uniform([outputSize], bound: 1 / Double(inputSize).squareRoot()) : nil
  }

  public var inputSize: Int { weight.size(1) }
  public var outputSize: Int { weight.size(0) }

  public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }

  /// The layer applied to `cat(parts, dim: -1)` without building the concatenation:
  /// Σᵢ partsᵢ · Wᵢᵀ + b, where Wᵢ are the weight's matching column blocks. Parts broadcast
  /// against each other, so a part shared along a dimension (a per-task z of shape [B, 1, L]
  /// beside per-target inputs [B, N, D]) is multiplied once instead of once per target.
  public func callAsFunction(concatenationOf parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "concatenationOf needs at least one part")
    let widths = parts.map { $0.size(-1) }
    precondition(
      widths.reduce(0, +) == inputSize,
      "the parts' last sizes \(widths) add up to \(widths.reduce(0, +)), but the layer takes \(inputSize) inputs")
    // The bias joins the smallest product, so it is added over the fewest elements.
    let biased = parts.indices.min { parts[$0].count < parts[$1].count }!
    var offset = 0
    var terms: [Tensor] = []
    for (i, part) in parts.enumerated() {
      let block = weight[.all, offset..<(offset + widths[i])]
      terms.append(linear(part, weight: block, bias: i == biased ? bias : nil))
      offset += widths[i]
    }
    return terms.dropFirst().reduce(terms[0], +)
  }
}
