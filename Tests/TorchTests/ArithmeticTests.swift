import Foundation
import Testing
import Torch

@Suite struct ArithmeticTests {
  @Test func broadcastingBinaryOps() {
    let col = Tensor([1, 2] as [Double], shape: [2, 1], dtype: .float64)
    let row = Tensor([10, 20, 30] as [Double], dtype: .float64)
    expectTensor(col + row, shape: [2, 3], [11, 21, 31, 12, 22, 32])
    expectTensor(row - col, shape: [2, 3], [9, 19, 29, 8, 18, 28])
    expectTensor(col * row, shape: [2, 3], [10, 20, 30, 20, 40, 60])
    expectTensor(row / col, shape: [2, 3], [10, 20, 30, 5, 10, 15])
    // Rank-3 against rank-1 and a scalar tensor.
    let cube = Tensor.ones([2, 1, 3], dtype: .float64)
    #expect((cube + Tensor.zeros([4, 1], dtype: .float64)).shape == [2, 4, 3])
    expectTensor(row * Tensor(2, dtype: .float64), shape: [3], [20, 40, 60])
  }

  @Test func scalarOperatorsOnBothSides() {
    let x = Tensor([1, 2, 4] as [Double], dtype: .float64)
    expectTensor(x + 1, shape: [3], [2, 3, 5])
    expectTensor(1 + x, shape: [3], [2, 3, 5])
    expectTensor(x - 1, shape: [3], [0, 1, 3])
    expectTensor(2 - x, shape: [3], [1, 0, -2])
    expectTensor(x * 3, shape: [3], [3, 6, 12])
    expectTensor(3 * x, shape: [3], [3, 6, 12])
    expectTensor(x / 2, shape: [3], [0.5, 1, 2])
    expectTensor(1 / x, shape: [3], [1, 0.5, 0.25])
    expectTensor(-x, shape: [3], [-1, -2, -4])
    // Scalars keep the tensor's dtype.
    #expect((x + 1).dtype == .float64)
    #expect((2 - Tensor([1, 2] as [Float])).dtype == .float32)
    #expect((1 / Tensor([1, 2] as [Float])).toArray(Float.self) == [1, 0.5])
  }

  @Test func integerTensorsWithScalars() {
    let i = Tensor([1, 2, 3] as [Int])
    #expect((i + 1).dtype == .int64)
    #expect((i * 2).toArray(Int.self) == [2, 4, 6])
    #expect((10 - i).toArray(Int.self) == [9, 8, 7])
    // As in PyTorch, true division of integers is floating point.
    #expect(isClose(values(i / 2), [0.5, 1, 1.5]))
    #expect((i / 2).dtype.isFloatingPoint)
  }

  @Test func comparisons() {
    let x = Tensor([1, 2, 3] as [Double])
    let y = Tensor([3, 2, 1] as [Double])
    #expect((x .== y).toArray(Bool.self) == [false, true, false])
    #expect((x .!= y).toArray(Bool.self) == [true, false, true])
    #expect((x .< y).toArray(Bool.self) == [true, false, false])
    #expect((x .<= y).toArray(Bool.self) == [true, true, false])
    #expect((x .> 2).toArray(Bool.self) == [false, false, true])
    #expect((x .>= 2).toArray(Bool.self) == [false, true, true])
    #expect((x .== 2).toArray(Bool.self) == [false, true, false])
    #expect(((x .> 1) .& (y .> 1)).toArray(Bool.self) == [false, true, false])
    #expect(((x .> 2) .| (y .> 2)).toArray(Bool.self) == [true, false, true])
    #expect((x .> 1).logicalNot().toArray(Bool.self) == [true, false, false])
  }

  @Test func elementwiseFunctions() {
    let x = Tensor([-1, 0, 0.5, 2] as [Double], dtype: .float64)
    let xs = [-1, 0, 0.5, 2.0]
    expectTensor(x.exp(), shape: [4], xs.map { Foundation.exp($0) })
    expectTensor(x.abs(), shape: [4], [1, 0, 0.5, 2])
    expectTensor(x.relu(), shape: [4], [0, 0, 0.5, 2])
    expectTensor(x.tanh(), shape: [4], xs.map { Foundation.tanh($0) })
    expectTensor(x.sigmoid(), shape: [4], xs.map { 1 / (1 + Foundation.exp(-$0)) })
    expectTensor(x.softplus(), shape: [4], xs.map { Foundation.log1p(Foundation.exp($0)) })
    expectTensor(x.square(), shape: [4], xs.map { $0 * $0 })
    expectTensor(x.pow(3), shape: [4], xs.map { $0 * $0 * $0 })
    expectTensor(x.clamp(min: 0, max: 1), shape: [4], [0, 0, 0.5, 1])
    expectTensor(x.clamp(min: 0.25), shape: [4], [0.25, 0.25, 0.5, 2])
    expectTensor(x.clamp(max: 0), shape: [4], [-1, 0, 0, 0])
    expectTensor(x.sign(), shape: [4], [-1, 0, 1, 1])
    expectTensor((x + 2).log(), shape: [4], xs.map { Foundation.log($0 + 2) })
    expectTensor((x + 2).sqrt(), shape: [4], xs.map { ($0 + 2).squareRoot() })
    expectTensor(x.erf(), shape: [4], xs.map { Foundation.erf($0) })
    expectTensor((x + 2).lgamma(), shape: [4], xs.map { Foundation.lgamma($0 + 2) })
    expectTensor(maximum(x, 0.25), shape: [4], [0.25, 0.25, 0.5, 2])
    expectTensor(minimum(x, Tensor.zeros([4], dtype: .float64)), shape: [4], [-1, 0, 0, 0])
    expectTensor(x.addcmul(x, x, value: 2), shape: [4], xs.map { $0 + 2 * $0 * $0 })
  }
}
