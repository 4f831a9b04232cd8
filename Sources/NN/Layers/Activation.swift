import Torch

/// Elementwise nonlinearities, usable as a value (`activation(x)`) or a layer in `Sequential`.
public enum Activation: String, Sendable, CaseIterable {
  case relu, leakyRelu, elu, gelu, silu, tanh, sigmoid, softplus, identity

  public func callAsFunction(_ x: Tensor) -> Tensor {
    switch self {
    case .relu: x.relu()
    case .leakyRelu: x.leakyRelu()
    case .elu: x.elu()
    case .gelu: x.gelu()
    case .silu: x.silu()
    case .tanh: x.tanh()
    case .sigmoid: x.sigmoid()
    case .softplus: x.softplus()
    case .identity: x
    }
  }
}

/// An activation as a parameter-free layer.
public final class ActivationLayer: Module, UnaryLayer {
  public let activation: Activation
  public init(_ activation: Activation) { self.activation = activation }
  public func callAsFunction(_ x: Tensor) -> Tensor { activation(x) }
}

/// Applies its layers in order.
public final class Sequential: Module, UnaryLayer {
  public let layers: [any UnaryLayer]
  public override class var unnamedContainers: Set<String> { ["layers"] }

  public init(_ layers: [any UnaryLayer]) { self.layers = layers }
  public convenience init(_ layers: any UnaryLayer...) { self.init(layers) }

  public func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }
}

/// A multilayer perceptron: Linear layers with an activation between them (none after the last).
public final class MLP: Module, UnaryLayer {
  public let layers: [Linear]
  public let activation: Activation

  /// Sizes run from input to output, e.g. `[2, 128, 128, 1]`.
  public init(_ sizes: [Int], activation: Activation = .relu, bias: Bool = true) {
    precondition(sizes.count >= 2, "an MLP needs at least an input and an output size, got \(sizes)")
    layers = zip(sizes, sizes.dropFirst()).map { Linear($0, $1, bias: bias) }
    self.activation = activation
  }

  public func callAsFunction(_ x: Tensor) -> Tensor { hidden(from: layers[0](x)) }

  /// The MLP applied to `cat(parts, dim: -1)`, with the first layer's
  /// `Linear.callAsFunction(concatenationOf:)`: parts broadcast, nothing is concatenated.
  public func callAsFunction(concatenationOf parts: [Tensor]) -> Tensor {
    hidden(from: layers[0](concatenationOf: parts))
  }

  /// The rest of the MLP after the first layer's output `h`.
  private func hidden(from h: Tensor) -> Tensor {
    var h = h
    for layer in layers.dropFirst() { h = layer(activation(h)) }
    return h
  }
}

/// Zeroes activations with probability `p` in training mode.
public final class Dropout: Module, UnaryLayer {
  public let p: Double
  public init(_ p: Double = 0.5) { self.p = p }
  public func callAsFunction(_ x: Tensor) -> Tensor { dropout(x, p: p, training: isTraining) }
}
