import Foundation
import Testing
import Torch

/// Inputs and PyTorch's outputs written by a script under Benchmarks/reference/
/// (loss_distribution_reference.py, functional_reference.py).
struct ReferenceFixture: Decodable {
  struct Entry: Decodable {
    let shape: [Int]
    let values: [Double]
  }

  let torch: String
  let inputs: [String: Entry]
  let expected: [String: Entry]

  static func load(_ name: String = "loss_distribution_reference") throws -> ReferenceFixture {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
  }

  /// A float64 input (or int64 for class indices).
  func input(_ name: String, dtype: DType = .float64) throws -> Tensor {
    let entry = try #require(inputs[name], "no input \(name)")
    return Tensor(entry.values, shape: entry.shape, dtype: dtype)
  }

  /// Expects `actual` to match PyTorch's `name` in shape and to `tolerance`.
  func check(
    _ actual: Tensor, _ name: String, tolerance: Double = 1e-6, sourceLocation: SourceLocation = #_sourceLocation
  ) {
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

/// True when every pair differs by at most `tolerance` (absolute plus relative).
func isClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-6) -> Bool {
  actual.count == expected.count
    && zip(actual, expected).allSatisfy { a, e in Swift.abs(a - e) <= tolerance * (1 + Swift.abs(e)) }
}
