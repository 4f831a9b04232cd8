import Foundation
import Testing
import Torch

@testable import ImageData

/// Loaders on the real files. These need `make data` (a prerequisite of `make test`); when the
/// files are missing they fail with the loader's "run `make data`" message rather than skip.
@Suite(.serialized) struct RealDataTests {
  @Test func fashionMNISTTest() throws {
    let start = Date()
    let data = try ImageDataset.fashionMNIST(split: .test)
    print("fashion-mnist/test loaded in \(Date().timeIntervalSince(start)) s")
    #expect(data.images.shape == [10_000, 1, 28, 28])
    #expect(data.images.dtype == .float32)
    #expect(data.labels.shape == [10_000])
    #expect(data.labels.dtype == .int64)
    #expect(data.images.min().item() == 0)
    #expect(data.images.max().item() == 1)
    // The test split is balanced: 1,000 images per class.
    let counts = data.labels.oneHot(classes: 10).sum(0).toArray(Int.self)
    #expect(counts == Array(repeating: 1000, count: 10))
    // Known first labels of t10k (ankle boot, pullover, trouser, trouser).
    #expect(data.labels[0..<4].toArray(Int.self) == [9, 2, 1, 1])
  }

  @Test func mnist5kSplit() throws {
    let (train, test) = try ImageDataset.mnist5k()
    #expect(train.images.shape == [4000, 1, 28, 28])
    #expect(test.images.shape == [1000, 1, 28, 28])
    #expect(train.name == "mnist5k/train")
    #expect(test.name == "mnist5k/test")
    let all = train.labels.oneHot(classes: 10).sum(0) + test.labels.oneHot(classes: 10).sum(0)
    #expect(all.toArray(Int.self) == Array(repeating: 500, count: 10))
    #expect(train.images.max().item() == 1)
    // Digits are mostly background: mean intensity of MNIST is about 0.13.
    let mean = train.images.mean().item()
    #expect(mean > 0.1 && mean < 0.16)
  }

  @Test func missingDataTellsUserToRunMakeData() {
    let empty = URL(fileURLWithPath: "/nonexistent-penumbra-data")
    for load in [{ try ImageDataset.mnist5k(split: .train, directory: empty) }, { try ImageDataset.fashionMNIST(split: .test, directory: empty) }] {
      let error = #expect(throws: ImageDataError.self) { _ = try load() }
      #expect(error.map { "\($0)" }?.contains("run `make data`") == true)
    }
  }
}
