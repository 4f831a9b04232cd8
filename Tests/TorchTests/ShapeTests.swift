import Testing
import Torch

/// 0..<24 as a [2, 3, 4] float64 tensor: element [i, j, k] = 12i + 4j + k.
private func cube() -> Tensor { Tensor.arange(0, 24, dtype: .float64).reshape(2, 3, 4) }

@Suite struct ShapeTests {
  @Test func reshapeAndFlatten() {
    let t = cube()
    expectTensor(t.reshape(4, -1).select(dim: 0, index: 1), shape: [6], [6, 7, 8, 9, 10, 11])
    #expect(t.reshape([6, 4]).shape == [6, 4])
    #expect(t.flatten().shape == [24])
    #expect(t.flatten(from: 1).shape == [2, 12])
    #expect(t.flatten(from: 0, to: 1).shape == [6, 4])
    #expect(Tensor(3.0).flatten().shape == [1])
  }

  @Test func viewsShareStorage() {
    let t = Tensor.zeros([2, 3])
    let row = t[1]
    let flat = t.reshape(6)
    row.fill_(5)
    #expect(values(t) == [0, 0, 0, 5, 5, 5])
    #expect(values(flat) == [0, 0, 0, 5, 5, 5])
    // A clone does not.
    let copy = t.clone()
    copy.fill_(1)
    #expect(values(t) == [0, 0, 0, 5, 5, 5])
  }

  @Test func permuteTransposeAndSqueeze() {
    let t = cube()
    let p = t.permute(2, 0, 1)
    #expect(p.shape == [4, 2, 3])
    // p[k, i, j] = t[i, j, k]
    #expect(p[3, 1, 2].item() == 12 + 8 + 3)
    #expect(t.transpose(0, 2).shape == [4, 3, 2])
    let m = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3])
    expectTensor(m.mT, shape: [3, 2], [1, 4, 2, 5, 3, 6])
    expectTensor(m.mT.contiguous(), shape: [3, 2], [1, 4, 2, 5, 3, 6])
    let s = Tensor.zeros([1, 3, 1, 2])
    #expect(s.squeeze().shape == [3, 2])
    #expect(s.squeeze(2).shape == [1, 3, 2])
    #expect(s.squeeze(1).shape == [1, 3, 1, 2])
    #expect(s.squeeze(-2).shape == [1, 3, 2])
    #expect(s.unsqueeze(0).shape == [1, 1, 3, 1, 2])
    #expect(s.unsqueeze(-1).shape == [1, 3, 1, 2, 1])
  }

  @Test func expandRepeatFlip() {
    let col = Tensor([1, 2] as [Double], shape: [2, 1])
    expectTensor(col.expand(2, 3), shape: [2, 3], [1, 1, 1, 2, 2, 2])
    expectTensor(col.expand(-1, 2), shape: [2, 2], [1, 1, 2, 2])
    #expect(col.expand(as: Tensor.zeros([4, 2, 5])).shape == [4, 2, 5])
    expectTensor(col.repeated(2, 2), shape: [4, 2], [1, 1, 2, 2, 1, 1, 2, 2])
    expectTensor(Tensor([1, 2, 3] as [Double]).flipped(0), shape: [3], [3, 2, 1])
  }

  // MARK: Subscripts

  @Test func integerSubscripts() {
    let t = cube()
    expectTensor(t[1], shape: [3, 4], (12..<24).map(Double.init))
    #expect(t[1, 2, 3].item() == 23)
    #expect(t[1, 2, 3].shape == [])
    // Negative indices count from the end.
    expectTensor(t[-1, -1], shape: [4], [20, 21, 22, 23])
    #expect(t[0, -3, -4].item() == 0)
  }

  @Test func rangeSubscripts() {
    let t = cube()
    expectTensor(t[0, 1..<3, 0], shape: [2], [4, 8])
    expectTensor(t[0, 0, 1...2], shape: [2], [1, 2])
    expectTensor(t[0, 0, 2...], shape: [2], [2, 3])
    expectTensor(t[0, 0, ..<2], shape: [2], [0, 1])
    expectTensor(t[0, 0, ...1], shape: [2], [0, 1])
    // Negative range bounds count from the end.
    expectTensor(t[0, 0, (-2)...], shape: [2], [2, 3])
    expectTensor(t[0, 0, (-3)...(-1)], shape: [3], [1, 2, 3])
    expectTensor(t[0, 0, ...(-2)], shape: [3], [0, 1, 2])
    expectTensor(t[0, 0, .stride(0, 4, by: 2)], shape: [2], [0, 2])
    #expect(t[0..<1].shape == [1, 3, 4])
  }

  @Test func allNewAxisAndEllipsis() {
    let t = cube()
    expectTensor(t[.all, 2], shape: [2, 4], [8, 9, 10, 11, 20, 21, 22, 23])
    expectTensor(t[.all, .all, 0], shape: [2, 3], [0, 4, 8, 12, 16, 20])
    #expect(t[.newAxis].shape == [1, 2, 3, 4])
    #expect(t[.all, .newAxis].shape == [2, 1, 3, 4])
    expectTensor(t[.ellipsis, 0], shape: [2, 3], [0, 4, 8, 12, 16, 20])
    expectTensor(t[1, .ellipsis, 2], shape: [3], [14, 18, 22])
    #expect(t[.ellipsis, .newAxis].shape == [2, 3, 4, 1])
    // NumPy: t[None, ..., 0] has shape (1, 2, 3).
    expectTensor(t[.newAxis, .ellipsis, 0], shape: [1, 2, 3], [0, 4, 8, 12, 16, 20])
    // NumPy: t[0, None, 1] has shape (1, 4).
    expectTensor(t[0, .newAxis, 1], shape: [1, 4], [4, 5, 6, 7])
    #expect(t[.ellipsis].shape == [2, 3, 4])
  }

  @Test func subscriptResultsAreViews() {
    let t = Tensor.zeros([3, 4])
    t[.all, 1].fill_(2)
    t[-1, 2...].fill_(7)
    expectTensor(t, shape: [3, 4], [0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 7, 7])
  }

  // MARK: Joining and splitting

  @Test func catAndStack() {
    let a = Tensor([1, 2, 3, 4] as [Double], shape: [2, 2])
    let b = Tensor([5, 6] as [Double], shape: [1, 2])
    expectTensor(Tensor.cat([a, b]), shape: [3, 2], [1, 2, 3, 4, 5, 6])
    expectTensor(Tensor.cat([a, a], dim: 1), shape: [2, 4], [1, 2, 1, 2, 3, 4, 3, 4])
    expectTensor(Tensor.cat([a, a], dim: -1), shape: [2, 4], [1, 2, 1, 2, 3, 4, 3, 4])
    expectTensor(Tensor.stack([a, a * 10]), shape: [2, 2, 2], [1, 2, 3, 4, 10, 20, 30, 40])
    expectTensor(Tensor.stack([a, a * 10], dim: 2), shape: [2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40])
    expectTensor(Tensor.stack([a, a * 10], dim: -1), shape: [2, 2, 2], [1, 10, 2, 20, 3, 30, 4, 40])
  }

  @Test func splitAndChunk() {
    let t = Tensor.arange(0, 7, dtype: .float64)
    let parts = t.split(sizes: [2, 5])
    #expect(parts.count == 2)
    expectTensor(parts[0], shape: [2], [0, 1])
    expectTensor(parts[1], shape: [5], [2, 3, 4, 5, 6])
    // torch.chunk(7 elements, 3) gives sizes 3, 3, 1.
    let chunks = t.chunk(3)
    #expect(chunks.map(\.shape) == [[3], [3], [1]])
    expectTensor(chunks[2], shape: [1], [6])
    // torch.chunk(6 elements, 4) gives 3 chunks of 2.
    #expect(Tensor.zeros([2, 6]).chunk(4, dim: 1).map(\.shape) == [[2, 2], [2, 2], [2, 2]])
    let cols = cube().split(sizes: [1, 3], dim: -1)
    #expect(cols.map(\.shape) == [[2, 3, 1], [2, 3, 3]])
    expectTensor(cols[0].flatten(), shape: [6], [0, 4, 8, 12, 16, 20])
  }

  @Test func sliceAndSelect() {
    let t = cube()
    expectTensor(t.slice(dim: 2, start: 1, end: 4, step: 2)[0, 0], shape: [2], [1, 3])
    expectTensor(t.slice(dim: 1, start: -1)[.all, 0, 0], shape: [2], [8, 20])
    expectTensor(t.select(dim: 2, index: -1)[0], shape: [3], [3, 7, 11])
  }

  // MARK: Gather, scatter and masks

  @Test func indexSelectAndGather() {
    let m = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [3, 2])
    let rows = Tensor([2, 0, 2] as [Int])
    expectTensor(m.indexSelect(dim: 0, index: rows), shape: [3, 2], [5, 6, 1, 2, 5, 6])
    expectTensor(m.indexSelect(dim: 1, index: Tensor([1] as [Int])), shape: [3, 1], [2, 4, 6])
    let index = Tensor([0, 0, 1, 0, 1, 1] as [Int], shape: [3, 2])
    expectTensor(m.gather(dim: 1, index: index), shape: [3, 2], [1, 1, 4, 3, 6, 6])
    expectTensor(m.gather(dim: 0, index: Tensor([2, 1] as [Int], shape: [1, 2])), shape: [1, 2], [5, 4])
    // Rows per batch element: [2, 3, 2] points, indices [2, 2].
    let points = Tensor((0..<12).map(Double.init), shape: [2, 3, 2])
    let picked = points.gatherRows(Tensor([2, 0, 1, 1] as [Int], shape: [2, 2]))
    expectTensor(picked, shape: [2, 2, 2], [4, 5, 0, 1, 8, 9, 8, 9])
  }

  /// Strides say how a view walks its storage: 0 where `expand` broadcast a dimension.
  @Test func stridesOfViews() {
    let m = Tensor((0..<6).map(Double.init), shape: [2, 3])
    #expect(m.strides == [3, 1])
    #expect(m.mT.strides == [1, 3])
    #expect(m.unsqueeze(0).expand([4, 2, 3]).strides == [0, 3, 1])
    #expect(Tensor(1.0).strides == [])
  }

  @Test func scatterWritesAndAccumulates() {
    let index = Tensor([0, 2, 1, 0] as [Int], shape: [2, 2])
    let source = Tensor([1, 2, 3, 4] as [Double], shape: [2, 2])
    let base = Tensor.zeros([2, 3])
    expectTensor(base.scatter(dim: 1, index: index, source: source), shape: [2, 3], [1, 0, 2, 4, 3, 0])
    // The input is not modified.
    #expect(values(base) == [0, 0, 0, 0, 0, 0])
    let same = Tensor([0, 0, 2] as [Int], shape: [1, 3])
    let ones = Tensor.ones([1, 3])
    expectTensor(Tensor.full([1, 3], 10).scatter(dim: 1, index: same, source: ones, accumulate: true), shape: [1, 3], [12, 10, 11])
  }

  @Test func masksAndWhere() {
    let x = Tensor([-2, -1, 0, 1, 2] as [Double])
    let mask = x .< 0
    #expect(mask.dtype == .bool)
    #expect(mask.toArray(Bool.self) == [true, true, false, false, false])
    expectTensor(x.maskedFill(mask, 9), shape: [5], [9, 9, 0, 1, 2])
    expectTensor(x.where(x .>= 0, else: -x * 10), shape: [5], [20, 10, 0, 1, 2])
    // The condition and branches broadcast.
    let rowMask = Tensor([true, false], shape: [2, 1])
    expectTensor(Tensor.ones([2, 3]).where(rowMask, else: Tensor.zeros([3])), shape: [2, 3], [1, 1, 1, 0, 0, 0])
    expectTensor(x.maskedSelect(x .> 0), shape: [2], [1, 2])
    #expect(Tensor([0, 3, 0, 4] as [Double]).nonzero().toArray(Int.self) == [1, 3])
    expectTensor(Tensor([1, 2, 3] as [Int]).oneHot(classes: 4), shape: [3, 4], [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
  }

  @Test func triangularAndDiagonal() {
    let m = Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9] as [Double], shape: [3, 3])
    expectTensor(m.tril(), shape: [3, 3], [1, 0, 0, 4, 5, 0, 7, 8, 9])
    expectTensor(m.triu(1), shape: [3, 3], [0, 2, 3, 0, 0, 6, 0, 0, 0])
    expectTensor(m.diagonal(), shape: [3], [1, 5, 9])
    expectTensor(m.diagonal(offset: 1), shape: [2], [2, 6])
    expectTensor(Tensor([1, 2] as [Double]).diagEmbed(), shape: [2, 2], [1, 0, 0, 2])
  }
}
