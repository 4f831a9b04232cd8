import Torch

/// y = x Wᵀ + b, initialised as PyTorch's `nn.Linear`.
public final class Linear: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor?

  public init(_ inputSize: Int, _ outputSize: Int, bias: Bool = true) {
    weight = Init.kaimingUniform([outputSize, inputSize], a: 5.0.squareRoot())
    self.bias = bias ? Init.uniform([outputSize], bound: 1 / Double(inputSize).squareRoot()) : nil
  }

  public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }
}
