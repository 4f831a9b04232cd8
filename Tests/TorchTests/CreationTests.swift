import Testing
import Torch

@Suite struct CreationTests {
  @Test func float32RoundTrip() {
    let t = Tensor([1.5, -2.25, 3, 1e-3] as [Float], shape: [2, 2])
    #expect(t.dtype == .float32)
    #expect(t.shape == [2, 2])
    #expect(t.count == 4)
    #expect(t.rank == 2)
    #expect(t.toArray(Float.self) == [1.5, -2.25, 3, 1e-3])
  }

  @Test func float64RoundTrip() {
    // A value float32 cannot represent exactly must survive.
    let x = [0.1, 1.0 / 3.0, -1e300, 123456789.123456789]
    let t = Tensor(x, dtype: .float64)
    #expect(t.dtype == .float64)
    #expect(t.toArray(Double.self) == x)
  }

  @Test func doublesDefaultToFloat32() {
    let t = Tensor([0.1, 0.2])
    #expect(t.dtype == .float32)
    #expect(t.toArray(Float.self) == [Float(0.1), Float(0.2)])
  }

  @Test func integerTypesRoundTrip() {
    let i64 = Tensor([Int64.max, Int64.min, 0, -7] as [Int64])
    #expect(i64.dtype == .int64)
    #expect(i64.toArray(Int64.self) == [Int64.max, Int64.min, 0, -7])

    let int = Tensor([1, -2, 3] as [Int], shape: [3, 1])
    #expect(int.dtype == .int64)
    #expect(int.shape == [3, 1])
    #expect(int.toArray(Int.self) == [1, -2, 3])

    let i32 = Tensor([Int32.max, Int32.min, 5] as [Int32])
    #expect(i32.dtype == .int32)
    #expect(i32.toArray(Int32.self) == [Int32.max, Int32.min, 5])

    let u8 = Tensor([0, 128, 255] as [UInt8])
    #expect(u8.dtype == .uint8)
    #expect(u8.toArray(UInt8.self) == [0, 128, 255])
  }

  @Test func boolRoundTrip() {
    let b = Tensor([true, false, true, true], shape: [2, 2])
    #expect(b.dtype == .bool)
    #expect(b.toArray(Bool.self) == [true, false, true, true])
    #expect(b.toArray(Int.self) == [1, 0, 1, 1])
  }

  @Test(arguments: DType.allCases)
  func everyDTypeConvertsAndReadsBack(dtype: DType) {
    let t = Tensor([0, 1, 2, 3, 4, 5] as [Double], shape: [2, 3], dtype: dtype)
    #expect(t.dtype == dtype)
    #expect(t.shape == [2, 3])
    let expected: [Double] = dtype == .bool ? [0, 1, 1, 1, 1, 1] : [0, 1, 2, 3, 4, 5]
    #expect(t.toArray(Double.self) == expected)
    #expect(t.toArray(Float.self) == expected.map(Float.init))
    #expect(t.toArray(Int64.self) == expected.map(Int64.init))
    #expect(Tensor.zeros([3], dtype: dtype).dtype == dtype)
    #expect(Tensor.ones([2], dtype: dtype).toArray(Double.self) == [1, 1])
    #expect(dtype.byteCount > 0)
  }

  @Test func conversionsTruncateAndWiden() {
    let f = Tensor([1.75, -1.75, 2.5] as [Float])
    #expect(f.to(.int64).toArray(Int.self) == [1, -1, 2])
    #expect(f.to(.float64).dtype == .float64)
    #expect(f.to(.float64).toArray(Double.self) == [1.75, -1.75, 2.5])
    // Readback converts too.
    #expect(f.toArray(Int32.self) == [1, -1, 2])
  }

  @Test func scalarsAndItem() {
    let s = Tensor(2.5)
    #expect(s.shape == [])
    #expect(s.rank == 0)
    #expect(s.count == 1)
    #expect(s.item() == 2.5)
    #expect(Tensor(7, dtype: .int64).item(Int.self) == 7)
    #expect(Tensor([3.25], dtype: .float64).item(Double.self) == 3.25)
  }

  @Test func filledAndRanges() {
    expectTensor(Tensor.full([2, 2], 3.5), shape: [2, 2], [3.5, 3.5, 3.5, 3.5])
    let a = Tensor.arange(0, 5)
    #expect(a.dtype == .int64)
    #expect(a.toArray(Int.self) == [0, 1, 2, 3, 4])
    expectTensor(Tensor.arange(1, 2, step: 0.25, dtype: .float64), shape: [4], [1, 1.25, 1.5, 1.75])
    expectTensor(Tensor.linspace(-1, 1, steps: 5), shape: [5], [-1, -0.5, 0, 0.5, 1])
    expectTensor(Tensor.eye(2, 3), shape: [2, 3], [1, 0, 0, 0, 1, 0])
    let like = Tensor.zeros(like: Tensor.ones([2, 1], dtype: .float64))
    #expect(like.shape == [2, 1] && like.dtype == .float64)
    #expect(Tensor.full(like: like, 4).toArray(Double.self) == [4, 4])
    #expect(Tensor.zeros([0, 3]).count == 0)
    #expect(Tensor.zeros([0, 3]).toArray(Float.self) == [])
  }

  @Test func randomRanges() {
    let u = Tensor.uniform([1000], low: -2, high: 3)
    let uv = values(u)
    #expect(uv.allSatisfy { $0 >= -2 && $0 < 3 })
    #expect(Swift.abs(uv.reduce(0, +) / 1000 - 0.5) < 0.3)
    let r = Tensor.randint(3, 7, [500])
    #expect(r.dtype == .int64)
    #expect(Set(r.toArray(Int.self)) == Set([3, 4, 5, 6]))
    #expect(Tensor.randperm(10).toArray(Int.self).sorted() == Array(0..<10))
    let n = Tensor.normal([20000], mean: 1, std: 2, dtype: .float64)
    #expect(Swift.abs(n.mean().item() - 1) < 0.1)
    #expect(Swift.abs(n.std().item() - 2) < 0.1)
  }

  @Test func seedingReproducesDraws() {
    let reproducible = succeedsOnce {
      Torch.manualSeed(1234)
      let a = Tensor.randn([8]).toArray(Float.self) + Tensor.rand([4]).toArray(Float.self)
        + Tensor.randint(0, 100, [4]).toArray(Float.self)
      Torch.manualSeed(1234)
      let b = Tensor.randn([8]).toArray(Float.self) + Tensor.rand([4]).toArray(Float.self)
        + Tensor.randint(0, 100, [4]).toArray(Float.self)
      return a == b
    }
    #expect(reproducible)
    // Different seeds give different draws.
    Torch.manualSeed(1)
    let c = Tensor.randn([8]).toArray(Float.self)
    Torch.manualSeed(2)
    let d = Tensor.randn([8]).toArray(Float.self)
    #expect(c != d)
  }

  @Test func seedMatchesPyTorch() {
    // torch.manual_seed(0); torch.randn(3) == [1.5410, -0.2934, -2.1788] (same libtorch generator).
    let matches = succeedsOnce {
      Torch.manualSeed(0)
      return isClose(values(Tensor.randn([3])), [1.5410, -0.2934, -2.1788], tolerance: 1e-4)
    }
    #expect(matches)
  }

  @Test func descriptionShowsValues() {
    #expect(Tensor([1, 2] as [Int]).description.contains("2"))
  }
}
