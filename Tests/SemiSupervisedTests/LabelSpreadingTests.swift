import Testing
import Torch

@testable import SemiSupervised

/// Label spreading against scikit-learn's `LabelSpreading` (Benchmarks/reference/
/// label_spreading_reference.py): the same 40 two-moons points, RBF kernel γ 20, α 0.2.
@Suite struct LabelSpreadingTests {
  @Test func matchesScikitLearnOnTrainingAndNewPoints() throws {
    let fixture = try ReferenceFixture.load("label_spreading_reference")
    let spreading = LabelSpreading(
      labelledPoints: try fixture.input("x_l"), labels: try fixture.input("y_l", dtype: .int64),
      unlabelledPoints: try fixture.input("x_u"), classes: 2, gamma: 20, alpha: 0.2)
    fixture.check(spreading.labelDistributions, "distributions", tolerance: 1e-8)
    fixture.check(spreading.probabilities(try fixture.input("x_new")), "probabilities", tolerance: 1e-8)
  }

  /// Two tight clusters, one label each: every point takes its own cluster's label, and α
  /// near 1 (the graph outweighing the labels) still leaves the labelled points their class.
  @Test func spreadsEachLabelOverItsCluster() {
    let left = Tensor([0, 0, 0.1, 0, 0, 0.1, 0.1, 0.1], shape: [4, 2], dtype: .float64)
    let right = left + 3
    let spreading = LabelSpreading(
      labelledPoints: Tensor([0.05, 0.05, 3.05, 3.05], shape: [2, 2], dtype: .float64), labels: Tensor([0, 1]),
      unlabelledPoints: Tensor.cat([left, right]), classes: 2, gamma: 1, alpha: 0.99)
    #expect(spreading.predict(Tensor.cat([left, right])).toArray(Int.self) == [0, 0, 0, 0, 1, 1, 1, 1])
    #expect(spreading.labelDistributions[0..<2].argmax(dim: 1).toArray(Int.self) == [0, 1])
  }
}
