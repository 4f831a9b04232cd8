import Foundation
import Datasets
import Testing
import Torch

@testable import ImageData

/// Images whose every pixel value is distinct and derivable from its position, so a point's
/// y can be checked against its x: value = (b·H·W + r·W + c + 1) / (B·H·W + 1).
func labelledImages(batch: Int, height: Int, width: Int) -> Tensor {
  let n = batch * height * width
  return (Tensor.arange(Double(n), dtype: .float32) + 1).reshape([batch, 1, height, width]) / Double(n + 1)
}

/// Row and column of each coordinate pair (rows of x [K, 2]) on an H×W grid.
func pixelPositions(_ x: Tensor, height: Int, width: Int) -> [(Int, Int)] {
  let v = x.toArray(Float.self)
  func index(_ coordinate: Float, _ size: Int) -> Int {
    let scaled: Float = (coordinate + 1) / 2 * Float(size - 1)
    return Int(scaled.rounded())
  }
  return stride(from: 0, to: v.count, by: 2).map { i in (index(v[i], height), index(v[i + 1], width)) }
}

@Suite struct PixelGridTests {
  @Test func coordinatesSpanTheSquare() {
    let g = PixelGrid.coordinates(height: 28, width: 28)
    #expect(g.shape == [784, 2])
    let v = g.toArray(Float.self)
    #expect(Array(v.prefix(4)) == [-1, -1, -1, -1 + 2 / 27])
    #expect(Array(v.suffix(2)) == [1, 1])
    // Row-major: point r·W + c is (−1 + 2r/27, −1 + 2c/27).
    let (r, c) = (5, 17)
    #expect(abs(v[2 * (r * 28 + c)] - (-1 + 2 * Float(r) / 27)) < 1e-6)
    #expect(abs(v[2 * (r * 28 + c) + 1] - (-1 + 2 * Float(c) / 27)) < 1e-6)
  }

  @Test func twiceTheResolutionCoversTheSameSquare() {
    let fine = PixelGrid.coordinates(batch: 3, height: 56, width: 56)
    #expect(fine.shape == [3, 3136, 2])
    #expect(fine.min().item() == -1)
    #expect(fine.max().item() == 1)
    // Neighbouring columns are 2/55 apart; neighbouring rows 56 points apart in the list.
    let v = fine[0].toArray(Float.self)
    #expect(abs(v[3] - v[1] - 2 / 55) < 1e-6)
    #expect(abs(v[2 * 56] - v[0] - 2 / 55) < 1e-6)
    #expect((fine[1] - fine[0]).abs().max().item() == 0)
    // A rectangular grid keeps rows and columns apart.
    let rect = PixelGrid.coordinates(height: 2, width: 3).toArray(Float.self)
    #expect(rect == [-1, -1, -1, 0, -1, 1, 1, -1, 1, 0, 1, 1])
  }

  @Test func pixelsAndImagesAreInverse() {
    let images = labelledImages(batch: 2, height: 4, width: 3)
    let unit = PixelGrid.pixels(images)
    #expect(unit.shape == [2, 12, 1])
    #expect(unit[1, 5, 0].item() == images[1, 0, 1, 2].item())
    let centred = PixelGrid.pixels(images, scale: .centred)
    #expect(abs(centred[1, 5, 0].item() - (images[1, 0, 1, 2].item() - 0.5)) < 1e-6)
    let back = PixelGrid.images(fromPixels: centred, height: 4, width: 3, scale: .centred)
    #expect((back - images).abs().max().item() < 1e-6)
  }
}

@Suite(.serialized) struct PixelTaskBatchTests {
  /// Every real context point's y is the image's value at the pixel its x names.
  func expectConsistent(_ task: PixelTaskBatch, _ images: Tensor, offset: Double = 0) {
    let (h, w) = (task.height, task.width)
    for b in 0..<task.context.batchSize {
      let (x, y) = task.context.task(b)
      #expect(x.size(0) == task.contextCounts[b])
      let positions = pixelPositions(x, height: h, width: w)
      #expect(Set(positions.map { $0.0 * w + $0.1 }).count == positions.count, "context pixels are distinct")
      let expected = positions.map { Float(images[b, 0, $0.0, $0.1].item() + offset) }
      let got = y.toArray(Float.self)
      #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }
  }

  @Test func targetIsEveryPixel() {
    let images = labelledImages(batch: 2, height: 5, width: 4)
    let task = PixelTaskBatch(images: images, context: .fixedCount(3), scale: .centred)
    #expect(task.target.x.shape == [2, 20, 2])
    #expect(task.target.y.shape == [2, 20, 1])
    #expect(task.target.mask.sum().item() == 40)
    #expect((task.target.x[1] - PixelGrid.coordinates(height: 5, width: 4)).abs().max().item() == 0)
    #expect((task.target.y - (PixelGrid.pixels(images) - 0.5)).abs().max().item() < 1e-6)
  }

  @Test func fixedCount() {
    let images = labelledImages(batch: 4, height: 6, width: 7)
    let task = PixelTaskBatch(images: images, context: .fixedCount(10))
    #expect(task.context.x.shape == [4, 10, 2])
    #expect(task.context.y.shape == [4, 10, 1])
    #expect(task.context.mask.sum().item() == 40)
    #expect(task.contextCounts == [10, 10, 10, 10])
    expectConsistent(task, images)
    // Tasks draw different pixels.
    #expect((task.context.x[0] - task.context.x[1]).abs().sum().item() > 0)
  }

  @Test func randomCountsArePaddedWithMasks() {
    Torch.manualSeed(7)
    let images = labelledImages(batch: 16, height: 28, width: 28)
    let task = PixelTaskBatch(images: images, context: .randomCount(3...30), scale: .centred)
    let counts = task.contextCounts
    #expect(counts.allSatisfy { (3...30).contains($0) })
    #expect(Set(counts).count > 1, "a batch mixes context counts")
    let k = counts.max()!
    #expect(task.context.x.shape == [16, k, 2])
    #expect(task.context.mask.sum(1).toArray(Float.self) == counts.map(Float.init))
    // Real points first, then padding with zeroed x and y.
    for b in 0..<16 {
      let row = task.context.mask[b].toArray(Float.self)
      #expect(row == Array(repeating: 1, count: counts[b]) + Array(repeating: 0, count: k - counts[b]))
    }
    let padding = 1 - task.context.mask.unsqueeze(-1)
    #expect((task.context.x * padding).abs().sum().item() == 0)
    #expect((task.context.y * padding).abs().sum().item() == 0)
    expectConsistent(task, images, offset: -0.5)
    // Reproducible under libtorch's seed (the training loop seeds every step).
    Torch.manualSeed(7)
    let again = PixelTaskBatch(images: images, context: .randomCount(3...30), scale: .centred)
    #expect(again.contextCounts == counts)
    #expect((again.context.x - task.context.x).abs().sum().item() == 0)
  }

  @Test func randomFractionOfPixels() {
    Torch.manualSeed(1)
    let images = labelledImages(batch: 32, height: 28, width: 28)
    let task = PixelTaskBatch(images: images, context: .randomFraction(0.03...0.3))
    // ⌈0.03·784⌉ = 24 to ⌊0.3·784⌋ = 235 pixels.
    #expect(task.contextCounts.allSatisfy { (24...235).contains($0) })
    #expect(task.contextCounts.max()! - task.contextCounts.min()! > 50)
    expectConsistent(task, images)
  }

  @Test func topHalfAndLeftHalf() {
    let images = labelledImages(batch: 2, height: 5, width: 4)
    let top = PixelTaskBatch(images: images, context: .topHalf)
    #expect(top.contextCounts == [8, 8])  // ⌊5/2⌋ = 2 rows of 4
    let topRows = Set(pixelPositions(top.context.x[0], height: 5, width: 4).map(\.0))
    #expect(topRows == [0, 1])
    expectConsistent(top, images)

    let left = PixelTaskBatch(images: images, context: .leftHalf, scale: .centred)
    #expect(left.contextCounts == [10, 10])  // 5 rows of 2 columns
    let leftColumns = Set(pixelPositions(left.context.x[1], height: 5, width: 4).map(\.1))
    #expect(leftColumns == [0, 1])
    expectConsistent(left, images, offset: -0.5)

    // 28×28: the top half is rows 0–13, i.e. row coordinates below 0.
    let digits = labelledImages(batch: 1, height: 28, width: 28)
    let half = PixelTaskBatch(images: digits, context: .topHalf)
    #expect(half.contextCounts == [392])
    #expect(half.context.x[.all, .all, 0].max().item() < 0)
    #expect(half.context.x[.all, .all, 1].max().item() == 1)
  }

  @Test func contextImagesShowOnlyTheContext() {
    Torch.manualSeed(3)
    let images = labelledImages(batch: 3, height: 6, width: 6)
    let task = PixelTaskBatch(images: images, context: .randomCount(1...12), scale: .centred)
    let visible = task.contextVisibility
    #expect(visible.shape == [3, 1, 6, 6])
    #expect(visible.sum(dims: [1, 2, 3]).toArray(Float.self) == task.contextCounts.map(Float.init))
    let shown = task.contextImages(fill: -1)
    let expected = images * visible - (1 - visible)
    #expect((shown - expected).abs().max().item() < 1e-6)

    let top = PixelTaskBatch(images: images, context: .topHalf)
    #expect(top.contextVisibility[0, 0, 0..<3].min().item() == 1)
    #expect(top.contextVisibility[0, 0, 3...].max().item() == 0)
  }
}

@Suite struct ImageDatasetTests {
  @Test func fromBytesScalesToUnitInterval() {
    let pixels: [UInt8] = [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]
    let data = ImageDataset(pixels: pixels, labels: [3, 1, 4], height: 2, width: 2, name: "tiny")
    #expect(data.images.shape == [3, 1, 2, 2])
    #expect(data.images.dtype == .float32)
    #expect(data.labels.dtype == .int64)
    #expect(data.images[0].flatten().toArray(Float.self) == [0, 1, 0.2, 0.4])
    let sub = data.subset([2, 0])
    #expect(sub.labels.toArray(Int.self) == [4, 3])
    #expect(sub.images[1].flatten().toArray(Float.self) == [0, 1, 0.2, 0.4])
    // No seeding here: suites run in parallel and the seeded tests own the generator.
    let (images, labels) = data.randomBatch(size: 5)
    #expect(images.shape == [5, 1, 2, 2])
    #expect(labels.toArray(Int.self).allSatisfy { [3, 1, 4].contains($0) })
    let batches = data.batches(of: 2)
    #expect(batches.map { $0.images.size(0) } == [2, 1])
    #expect(batches[1].labels.toArray(Int.self) == [4])
    #expect(batches[1].images.flatten().toArray(Float.self) == Array(pixels[8...]).map { Float($0) / 255 })
  }
}
