import Torch

/// A lookup table of `count` vectors of size `dimension`, initialised N(0, 1) as PyTorch's `nn.Embedding`.
public final class Embedding: Module, UnaryLayer {
  public let weight: Tensor

  public init(_ count: Int, _ dimension: Int) {
    weight = Tensor.randn([count, dimension]).requiringGrad()
  }

  /// Rows of the table for int64 indices of any shape; the result adds a last dimension.
  public func callAsFunction(_ indices: Tensor) -> Tensor { embedding(indices, weight: weight) }
}
