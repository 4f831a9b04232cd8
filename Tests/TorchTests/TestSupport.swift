import Testing
import Torch

/// True when every pair differs by at most `tolerance` (absolute plus relative to the expected value).
func isClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-6) -> Bool {
  actual.count == expected.count
    && zip(actual, expected).allSatisfy { a, e in Swift.abs(a - e) <= tolerance * (1 + Swift.abs(e)) }
}

/// The tensor's values as doubles (any dtype).
func values(_ t: Tensor) -> [Double] { t.toArray(Double.self) }

/// Expects `t` to have `shape` and (approximately) `expected` values.
func expectTensor(
  _ t: Tensor, shape: [Int], _ expected: [Double], tolerance: Double = 1e-6,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(t.shape == shape, "shape \(t.shape) != \(shape)", sourceLocation: sourceLocation)
  let got = values(t)
  #expect(isClose(got, expected, tolerance: tolerance), "\(got) != \(expected)", sourceLocation: sourceLocation)
}

/// Runs `attempt` up to `tries` times until it returns true.
///
/// Swift Testing runs tests in parallel and libtorch's default generator is process-wide, so a
/// concurrent test can draw numbers between a seed and the draws it should fix. A broken seed
/// fails every attempt; interference only makes single attempts fail.
func succeedsOnce(tries: Int = 10, _ attempt: () -> Bool) -> Bool {
  (0..<tries).contains { _ in attempt() }
}
