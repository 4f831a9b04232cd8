import Foundation
import NN
import Testing
import Torch

/// Inputs and PyTorch's outputs written by Benchmarks/reference/ds3l_reference.py.
struct ReferenceFixture: Decodable {
  struct Entry: Decodable {
    let shape: [Int]
    let values: [Double]
  }

  let torch: String
  let inputs: [String: Entry]
  let expected: [String: Entry]

  static func load(_ name: String) throws -> ReferenceFixture {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
  }

  func input(_ name: String, dtype: DType = .float64) throws -> Tensor {
    let entry = try #require(inputs[name], "no input \(name)")
    return Tensor(entry.values, shape: entry.shape, dtype: dtype)
  }

  /// Expects `actual` to match PyTorch's `name` in shape and to `tolerance` (absolute plus relative).
  func check(_ actual: Tensor, _ name: String, tolerance: Double, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let entry = expected[name] else {
      Issue.record("no reference value \(name)", sourceLocation: sourceLocation)
      return
    }
    #expect(actual.shape == entry.shape, "\(name): shape \(actual.shape) != \(entry.shape)", sourceLocation: sourceLocation)
    let got = actual.toArray(Double.self)
    let close =
      got.count == entry.values.count
      && zip(got, entry.values).allSatisfy { Swift.abs($0 - $1) <= tolerance * (1 + Swift.abs($1)) }
    #expect(close, "\(name): \(got) != \(entry.values)", sourceLocation: sourceLocation)
  }
}

/// Linear → ReLU → a fixed dropout mask → Linear: pass k uses mask k (cycling), its first rows
/// when the batch is smaller, so a stochastic method becomes deterministic and replayable in
/// PyTorch (the reference script's `MaskedMLP`).
final class MaskedMLP: Module, UnaryLayer {
  /// Not a module or tensor property, so reflection does not take the masks for parameters.
  final class Masks {
    var masks: [Tensor]
    var calls = 0
    init(_ masks: [Tensor]) { self.masks = masks }
  }

  let fc1: Linear
  let fc2: Linear
  let masks: Masks

  init(features: Int, hidden: Int, classes: Int, masks: [Tensor]) {
    fc1 = Linear(features, hidden)
    fc2 = Linear(hidden, classes)
    self.masks = Masks(masks)
  }

  func callAsFunction(_ x: Tensor) -> Tensor {
    let mask = masks.masks[masks.calls % masks.masks.count][0..<x.size(0)]
    masks.calls += 1
    return fc2(fc1(x).relu() * mask)
  }
}

/// An MLP with dropout after each hidden layer: the stochastic passes of the Π-model and DS3L.
final class DropoutMLP: Module, UnaryLayer {
  let fc1: Linear
  let fc2: Linear
  let fc3: Linear
  let p: Double

  init(_ input: Int, _ hidden: Int, _ classes: Int, dropout p: Double) {
    fc1 = Linear(input, hidden)
    fc2 = Linear(hidden, hidden)
    fc3 = Linear(hidden, classes)
    self.p = p
  }

  func callAsFunction(_ x: Tensor) -> Tensor {
    let h1 = dropout(fc1(x).relu(), p: p, training: isTraining)
    let h2 = dropout(fc2(h1).relu(), p: p, training: isTraining)
    return fc3(h2)
  }
}

/// Accuracy of `network` (evaluation mode, no gradient) on points with int64 labels.
func accuracy(_ network: Module & UnaryLayer, _ x: Tensor, _ labels: Tensor) -> Double {
  let wasTraining = network.isTraining
  network.eval()
  defer { network.train(wasTraining) }
  return withNoGrad { (network(x).argmax(dim: 1) .== labels).to(.float32).mean().item() }
}
