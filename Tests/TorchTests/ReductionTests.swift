import Foundation
import Testing
import Torch

/// [[1, 2, 3], [4, 5, 6]] in float64.
private func matrix() -> Tensor { Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3], dtype: .float64) }

@Suite struct ReductionTests {
  @Test func sumAndMean() {
    let m = matrix()
    expectTensor(m.sum(), shape: [], [21])
    expectTensor(m.sum(0), shape: [3], [5, 7, 9])
    expectTensor(m.sum(1), shape: [2], [6, 15])
    expectTensor(m.sum(-1, keepDim: true), shape: [2, 1], [6, 15])
    expectTensor(m.sum(0, 1), shape: [], [21])
    expectTensor(m.sum(dims: [0, 1], keepDim: true), shape: [1, 1], [21])
    expectTensor(m.sum(keepDim: true), shape: [1, 1], [21])
    expectTensor(m.mean(), shape: [], [3.5])
    expectTensor(m.mean(0), shape: [3], [2.5, 3.5, 4.5])
    expectTensor(m.mean(1, keepDim: true), shape: [2, 1], [2, 5])
    expectTensor(m.mean(dims: [1]), shape: [2], [2, 5])
  }

  @Test func varianceAndStd() {
    let m = matrix()
    // Rows [1, 2, 3] and [4, 5, 6]: unbiased variance 1, population variance 2/3.
    expectTensor(m.variance(1), shape: [2], [1, 1])
    expectTensor(m.variance(1, correction: 0), shape: [2], [2.0 / 3, 2.0 / 3])
    expectTensor(m.variance(1, keepDim: true), shape: [2, 1], [1, 1])
    expectTensor(m.std(0), shape: [3], Array(repeating: (4.5).squareRoot(), count: 3))
    // Over everything: values 1...6 have unbiased variance 3.5.
    expectTensor(m.variance(), shape: [], [3.5])
    expectTensor(m.variance(correction: 0), shape: [], [35.0 / 12])
    expectTensor(m.std(), shape: [], [(3.5).squareRoot()])
  }

  @Test func extremesAndIndices() {
    let m = Tensor([3, 9, 1, 7, 2, 8] as [Double], shape: [2, 3], dtype: .float64)
    expectTensor(m.amax(), shape: [], [9])
    expectTensor(m.amax(0), shape: [3], [7, 9, 8])
    expectTensor(m.amax(1, keepDim: true), shape: [2, 1], [9, 8])
    expectTensor(m.amin(1), shape: [2], [1, 2])
    expectTensor(m.max(), shape: [], [9])
    expectTensor(m.min(), shape: [], [1])
    let (values, indices) = m.max(dim: 1)
    expectTensor(values, shape: [2], [9, 8])
    #expect(indices.dtype == .int64)
    #expect(indices.toArray(Int.self) == [1, 2])
    let kept = m.max(dim: 0, keepDim: true)
    #expect(kept.values.shape == [1, 3])
    #expect(kept.indices.toArray(Int.self) == [1, 0, 1])
    #expect(m.min(dim: 1).indices.toArray(Int.self) == [2, 1])
    #expect(m.argmax(dim: 1).toArray(Int.self) == [1, 2])
    #expect(m.argmax(dim: 0, keepDim: true).shape == [1, 3])
    #expect(m.argmin(dim: -1).toArray(Int.self) == [2, 1])
    let top = m.topk(2, dim: 1)
    expectTensor(top.values, shape: [2, 2], [9, 3, 8, 7])
    #expect(top.indices.toArray(Int.self) == [1, 0, 2, 0])
    let sorted = m.sorted(dim: 1, descending: true)
    expectTensor(sorted.values, shape: [2, 3], [9, 3, 1, 8, 7, 2])
  }

  @Test func logSumExpIsStable() {
    let x = Tensor([1000, 1000, 0, 1] as [Double], shape: [2, 2], dtype: .float64)
    expectTensor(x.logSumExp(1), shape: [2], [1000 + Foundation.log(2.0), Foundation.log(1 + M_E)])
    expectTensor(x.logSumExp(dims: [1], keepDim: true), shape: [2, 1], [1000 + Foundation.log(2.0), Foundation.log(1 + M_E)])
    let small = Tensor([0.5, -1, 2] as [Double], dtype: .float64)
    expectTensor(small.logSumExp(0), shape: [], [Foundation.log(Foundation.exp(0.5) + Foundation.exp(-1) + Foundation.exp(2))])
    expectTensor(small.logSumExp(), shape: [], [Foundation.log(Foundation.exp(0.5) + Foundation.exp(-1) + Foundation.exp(2))])
  }

  @Test func norms() {
    let v = Tensor([3, -4] as [Double], dtype: .float64)
    expectTensor(v.norm(), shape: [], [5])
    expectTensor(v.norm(1), shape: [], [7])
    expectTensor(v.norm(.infinity), shape: [], [4])
    let m = Tensor([3, 4, 6, 8] as [Double], shape: [2, 2], dtype: .float64)
    expectTensor(m.norm(dims: [1]), shape: [2], [5, 10])
    expectTensor(m.norm(dims: [1], keepDim: true), shape: [2, 1], [5, 10])
    expectTensor(m.norm(), shape: [], [(125.0).squareRoot()])
  }

  @Test func cumulativeAndProducts() {
    let m = matrix()
    expectTensor(m.cumsum(dim: 1), shape: [2, 3], [1, 3, 6, 4, 9, 15])
    expectTensor(m.cumsum(dim: 0), shape: [2, 3], [1, 2, 3, 5, 7, 9])
    expectTensor(m.cumprod(dim: 1), shape: [2, 3], [1, 2, 6, 4, 20, 120])
    expectTensor(m.prod(), shape: [], [720])
    expectTensor(m.prod(1), shape: [2], [6, 120])
    expectTensor(m.prod(0, keepDim: true), shape: [1, 3], [4, 10, 18])
    expectTensor(m.prod(0, 1), shape: [], [720])
  }

  @Test func anyAndAll() {
    let b = Tensor([true, false, true, true], shape: [2, 2])
    #expect(b.any().item() == 1)
    #expect(b.all().item() == 0)
    #expect(b.all().shape == [])
    #expect(b.all(1).toArray(Bool.self) == [false, true])
    #expect(b.any(0).toArray(Bool.self) == [true, true])
    #expect(b.all(0, keepDim: true).shape == [1, 2])
    #expect((matrix() .> 0).all().item() == 1)
    #expect((matrix() .> 5).any(0, 1).item() == 1)
    #expect(Tensor([0, 2, 0, 1] as [Double]).countNonzero().item() == 2)
  }

  @Test func softmaxAndLogSoftmax() {
    let x = Tensor([1, 2, 3, 1, 1, 1] as [Double], shape: [2, 3], dtype: .float64)
    let e: [Double] = [1.0, 2, 3].map { (v: Double) -> Double in Foundation.exp(v) }
    let z: Double = e.reduce(0.0, +)
    let p = x.softmax(dim: 1)
    let third: Double = 1.0 / 3.0
    let expected: [Double] = e.map { (v: Double) -> Double in v / z } + [third, third, third]
    expectTensor(p, shape: [2, 3], expected)
    expectTensor(p.sum(1), shape: [2], [1, 1])
    let logP: [Double] = e.map { (v: Double) -> Double in Foundation.log(v / z) } + [Double](repeating: -Foundation.log(3.0), count: 3)
    expectTensor(x.logSoftmax(dim: -1), shape: [2, 3], logP)
    // Along the other dimension, and stable for large inputs.
    expectTensor(x.softmax(dim: 0)[.all, 0], shape: [2], [0.5, 0.5])
    let big = Tensor([1000, 0] as [Double], dtype: .float64)
    expectTensor(big.logSoftmax(dim: 0), shape: [2], [0, -1000])
  }
}
