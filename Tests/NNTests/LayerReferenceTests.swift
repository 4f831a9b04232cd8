import Foundation
import NN
import Testing
import Torch

/// Layers against PyTorch: outputs and gradients of every layer match values computed by
/// Benchmarks/reference/layer_reference.py with the same parameters and inputs (float64).
struct LayerReferenceTests {
  struct Encoded: Decodable {
    let shape: [Int]
    let values: [Double]
    var tensor: Tensor { Tensor(values, shape: shape, dtype: .float64) }
  }

  struct Case: Decodable {
    let name: String
    let state: [String: Encoded]
    let inputs: [Encoded]
    let output: Encoded
    let lossWeights: Encoded
    let inputGrads: [Encoded?]
    let grads: [String: Encoded]
    let stateAfter: [String: Encoded]
  }

  struct Fixture: Decodable { let cases: [Case] }

  static let cases: [Case] = {
    let url = Bundle.module.url(forResource: "layer_reference", withExtension: "json", subdirectory: "Fixtures")!
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try! decoder.decode(Fixture.self, from: Data(contentsOf: url)).cases
  }()

  /// The Swift layer and how to call it, for each reference case.
  static func layer(_ name: String) -> (Module, ([Tensor]) -> Tensor) {
    func unary(_ layer: some UnaryLayer) -> (Module, ([Tensor]) -> Tensor) { (layer, { layer($0[0]) }) }
    switch name {
    case "linear": return unary(Linear(5, 3))
    case "mlp": return unary(Sequential(Linear(3, 8), ActivationLayer(.tanh), Linear(8, 2)))
    case "conv2d": return unary(Conv2d(3, 4, kernelSize: 3, stride: 2, padding: 1))
    case "conv2d_groups_dilation":
      return unary(Conv2d(4, 6, kernelSize: (3, 3), padding: (2, 2), dilation: (2, 2), groups: 2))
    case "conv_transpose2d": return unary(ConvTranspose2d(3, 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1))
    case "batch_norm1d": return unary(BatchNorm1d(3))
    case "batch_norm2d", "batch_norm2d_eval": return unary(BatchNorm2d(3))
    case "group_norm": return unary(GroupNorm(groups: 2, channels: 4))
    case "layer_norm": return unary(LayerNorm(5))
    case "embedding": return unary(Embedding(10, 4))
    case "multihead_attention":
      let attention = MultiheadAttention(embedDimension: 8, heads: 2)
      return (attention, { attention(query: $0[0], key: $0[1], value: $0[2], keyMask: $0[3]).output })
    default: fatalError("no Swift layer for reference case \(name)")
    }
  }

  static func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String) {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)")
    let scale = max(expected.abs().max().item(), 1)
    let error = (actual.to(.float64) - expected).abs().max().item()
    #expect(error <= 1e-9 * scale, "\(what): max abs error \(error)")
  }

  @Test(arguments: cases.map(\.name))
  func matchesPyTorch(_ name: String) throws {
    let reference = Self.cases.first { $0.name == name }!
    let (module, forward) = Self.layer(name)
    module.to(.float64)
    #expect(Set(module.stateDict().map(\.name)) == Set(reference.state.keys), "state names")
    try module.loadStateDict(reference.state.mapValues(\.tensor))
    if name.hasSuffix("_eval") { module.eval() }
    let inputs = reference.inputs.map { encoded in
      let t = encoded.tensor
      // Integer inputs (indices) arrive as floats in JSON.
      return name == "embedding" ? t.to(.int64) : t.requiringGrad()
    }
    let output = forward(inputs)
    Self.expectClose(output, reference.output.tensor, "\(name) output")
    (output * reference.lossWeights.tensor).sum().backward()
    for (input, expected) in zip(inputs, reference.inputGrads) {
      if let expected, input.requiresGrad, let grad = input.grad {
        Self.expectClose(grad, expected.tensor, "\(name) input gradient")
      }
    }
    let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters().map { ($0.name, $0.tensor) })
    for (parameterName, expected) in reference.grads {
      let grad = try #require(parameters[parameterName]?.grad, "\(name): no gradient for \(parameterName)")
      Self.expectClose(grad, expected.tensor, "\(name) gradient of \(parameterName)")
    }
    for (bufferName, buffer) in module.namedBuffers() where buffer.dtype.isFloatingPoint {
      Self.expectClose(buffer, reference.stateAfter[bufferName]!.tensor, "\(name) buffer \(bufferName) after the step")
    }
  }
}
