import Foundation
import ImageData
import Testing
import Torch

/// The semi-supervised split of an image data set: balance, mismatch share, determinism and
/// the message of every bad request.
@Suite struct SplitTests {
  /// 10 classes of 50 training and 20 test images of 2×2 pixels; pixel (0, 0) of training image
  /// i is i, so an image's origin can be read back.
  static var train: ImageDataset {
    let labels = (0..<500).map { $0 % 10 }
    let pixels = (0..<500).flatMap { [UInt8]([UInt8($0 % 256), UInt8($0 / 256), 0, 0]) }
    return ImageDataset(pixels: pixels, labels: labels, height: 2, width: 2, name: "toy")
  }
  static var test: ImageDataset {
    let labels = (0..<200).map { $0 % 10 }
    return ImageDataset(pixels: [UInt8](repeating: 7, count: 200 * 4), labels: labels, height: 2, width: 2, name: "toy-test")
  }

  func split(
    seen: [Int] = Array(0..<6), labels: Int = 60, unlabelled: Int = 100, mismatch: Double = 0.5, validation: Int = 30,
    seed: UInt64 = 1
  ) throws -> SemiSupervisedSplit {
    try SemiSupervisedSplit(
      train: Self.train, test: Self.test, seenClasses: seen, labels: labels, unlabelled: unlabelled, mismatch: mismatch,
      validation: validation, seed: seed)
  }

  /// Training row of each image, from its first two pixels (byte values / 255).
  func rows(_ data: ImageDataset) -> [Int] {
    let flat = (data.images.reshape(data.count, 4) * 255).round().toArray(Float.self)
    return (0..<data.count).map { Int(flat[4 * $0]) + 256 * Int(flat[4 * $0 + 1]) }
  }

  func counts(_ labels: Tensor) -> [Int64: Int] {
    labels.toArray(Int64.self).reduce(into: [:]) { $0[$1, default: 0] += 1 }
  }

  @Test func labelsAreBalancedAndRemapped() throws {
    let s = try split(seen: [3, 1, 4, 5, 9, 2])
    #expect(s.labelled.count == 60)
    #expect(counts(s.labelled.labels) == [0: 10, 1: 10, 2: 10, 3: 10, 4: 10, 5: 10])
    // Label 0 is class 3, label 4 class 9: the original class of each row is row % 10.
    let original = rows(s.labelled).map { $0 % 10 }
    let remapped = s.labelled.labels.toArray(Int64.self).map { [3, 1, 4, 5, 9, 2][Int($0)] }
    #expect(original == remapped)
    #expect(s.validation.count == 30 && counts(s.validation.labels) == [0: 5, 1: 5, 2: 5, 3: 5, 4: 5, 5: 5])
    // The test split keeps every seen-class image (20 a class), remapped the same way.
    #expect(s.test.count == 120 && counts(s.test.labels).values.allSatisfy { $0 == 20 })
  }

  @Test(arguments: [0.0, 0.25, 0.5, 0.75, 1.0])
  func mismatchIsTheUnseenShare(mismatch: Double) throws {
    let s = try split(unlabelled: 120, mismatch: mismatch)
    #expect(s.unlabelled.count == 120)
    let unseen = rows(s.unlabelled).filter { $0 % 10 >= 6 }.count
    #expect(unseen == Int((120 * mismatch).rounded()))
    #expect(s.isSeen.logicalNot().to(.int64).sum().item() == Double(unseen))
    // Unseen rows carry −1, seen rows their remapped class.
    for (row, label) in zip(rows(s.unlabelled), s.unlabelled.labels.toArray(Int64.self)) {
      #expect(label == (row % 10 >= 6 ? -1 : Int64(row % 10)))
    }
    #expect(s.unseenClasses == (mismatch > 0 ? [6, 7, 8, 9] : []))
  }

  @Test func partsAreDisjointAndReproducible() throws {
    let a = try split(seed: 5)
    let b = try split(seed: 5)
    let c = try split(seed: 6)
    let used = rows(a.labelled) + rows(a.validation) + rows(a.unlabelled)
    #expect(Set(used).count == used.count)
    #expect(rows(a.labelled) == rows(b.labelled) && rows(a.unlabelled) == rows(b.unlabelled))
    #expect(rows(a.validation) == rows(b.validation))
    #expect(rows(a.labelled) != rows(c.labelled))
  }

  @Test func badRequestsSayWhatToChange() {
    func message(_ body: () throws -> SemiSupervisedSplit) -> String {
      do {
        _ = try body()
        return "no error"
      } catch { return "\(error)" }
    }
    #expect(message { try split(seen: []) } == "the seen-class list is empty: name the classes the labels come from, e.g. 0-5")
    #expect(
      message { try split(mismatch: 1.5) }
        == "mismatch 1.5 is outside [0, 1]: it is the share of unlabelled images drawn from unseen classes")
    #expect(
      message { try split(mismatch: -0.1) }
        == "mismatch -0.1 is outside [0, 1]: it is the share of unlabelled images drawn from unseen classes")
    #expect(message { try split(labels: 61) } == "61 labels do not divide evenly over 6 seen classes: use a multiple of 6")
    #expect(
      message { try split(labels: 360) }
        == "60 labels a class, but class 0 has only 50 training images: ask for at most 50 a class")
    #expect(
      message { try split(unlabelled: 1000, mismatch: 0) }
        == "class 0 has 35 training images left after its labels and validation images, but the unlabelled set needs 167 of it: ask for fewer unlabelled images or more mismatch")
    #expect(
      message { try split(unlabelled: 1000, mismatch: 1) }
        == "unseen class 6 has 50 training images, but the unlabelled set needs 250 of it: ask for fewer unlabelled images or less mismatch")
    #expect(
      message { try split(seen: Array(0..<10), labels: 65, mismatch: 0.5) }.hasPrefix("65 labels do not divide evenly over 10"))
    #expect(
      message { try split(seen: Array(0..<10), labels: 100, mismatch: 0.5) }
        == "mismatch 0.5 asks for unseen-class images, but every class is seen: leave some classes out of the seen list or use mismatch 0")
    #expect(
      message { try split(seen: [0, 12]) }
        == "seen class 12 is not in the data (its classes are 0, 1, 2, 3, 4, 5, 6, 7, 8, 9): pick seen classes from those")
    #expect(message { try split(seen: [0, 1, 1, 2, 3, 4]) } == "seen class 1 is listed twice: name each seen class once")
    #expect(
      message { try split(validation: 300) }
        == "class 0 has 50 training images, too few for its labels and validation images (60): ask for fewer validation images")
  }
}

/// The DS3L paper's MNIST set-up on Fashion-MNIST (classes 0–5 seen, 60 labels, 20,000
/// unlabelled, 5,000 validation), when the data are installed.
@Suite struct FashionMNISTSplitTests {
  static var available: Bool {
    FileManager.default.fileExists(
      atPath: DataDirectory.url.appendingPathComponent("fashion-mnist/train-images-idx3-ubyte.gz").path)
  }

  @Test(.enabled(if: available)) func paperSetUp() throws {
    let s = try SemiSupervisedSplit(
      train: try ImageDataset.fashionMNIST(split: .train), test: try ImageDataset.fashionMNIST(split: .test),
      seenClasses: Array(0..<6), labels: 60, unlabelled: 20_000, mismatch: 0.5, validation: 5_000, seed: 1)
    #expect(s.labelled.count == 60 && s.unlabelled.count == 20_000 && s.validation.count == 5_000)
    #expect(s.isSeen.to(.int64).sum().item() == 10_000)
    #expect(s.test.count == 6_000)  // 1,000 test images a class
    #expect(s.labelled.images.shape == [60, 1, 28, 28])
    #expect(s.labelled.labels.max().item() == 5 && s.unlabelled.labels.min().item() == -1)
  }
}
