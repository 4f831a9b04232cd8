import Foundation
import Torch

/// Why a semi-supervised split cannot be made; each message says what was wrong and how to fix it.
public enum SemiSupervisedSplitError: Error, Equatable, CustomStringConvertible, LocalizedError {
  case noSeenClasses
  case unknownSeenClass(Int, available: [Int])
  case repeatedSeenClass(Int)
  case mismatchOutOfRange(Double)
  case noUnseenClasses(mismatch: Double)
  case nonPositiveLabels(Int)
  case labelsNotDivisible(labels: Int, classes: Int)
  case negativeCount(what: String, Int)
  case labelsExceedClass(class: Int, perClass: Int, available: Int)
  case validationExceedsClass(class: Int, needed: Int, available: Int)
  case unlabelledExceedsClass(class: Int, needed: Int, available: Int, seen: Bool)

  public var description: String {
    switch self {
    case .noSeenClasses:
      "the seen-class list is empty: name the classes the labels come from, e.g. 0-5"
    case .unknownSeenClass(let c, let available):
      "seen class \(c) is not in the data (its classes are \(available.map(String.init).joined(separator: ", "))): pick seen classes from those"
    case .repeatedSeenClass(let c):
      "seen class \(c) is listed twice: name each seen class once"
    case .mismatchOutOfRange(let m):
      "mismatch \(m) is outside [0, 1]: it is the share of unlabelled images drawn from unseen classes"
    case .noUnseenClasses(let m):
      "mismatch \(m) asks for unseen-class images, but every class is seen: leave some classes out of the seen list or use mismatch 0"
    case .nonPositiveLabels(let n):
      "\(n) labels: ask for at least one label per seen class"
    case .labelsNotDivisible(let n, let classes):
      "\(n) labels do not divide evenly over \(classes) seen classes: use a multiple of \(classes)"
    case .negativeCount(let what, let n):
      "\(n) \(what) images: ask for zero or more"
    case .labelsExceedClass(let c, let perClass, let available):
      "\(perClass) labels a class, but class \(c) has only \(available) training images: ask for at most \(available) a class"
    case .validationExceedsClass(let c, let needed, let available):
      "class \(c) has \(available) training images, too few for its labels and validation images (\(needed)): ask for fewer validation images"
    case .unlabelledExceedsClass(let c, let needed, let available, let seen):
      seen
        ? "class \(c) has \(available) training images left after its labels and validation images, but the unlabelled set needs \(needed) of it: ask for fewer unlabelled images or more mismatch"
        : "unseen class \(c) has \(available) training images, but the unlabelled set needs \(needed) of it: ask for fewer unlabelled images or less mismatch"
    }
  }

  public var errorDescription: String? { description }
}

/// The data of a semi-supervised run whose unlabelled set may hold classes the labels never
/// name (the protocol of Oliver et al. 2018's class-mismatch study and of DS3L, Guo et al. 2020;
/// guolz-ml/DS3L load_dataset.py `get_dataloaders`, `split_l_u`, `split_test`):
///
/// - labelled: `labels` training images, the same number from every seen class;
/// - unlabelled: `unlabelled` other training images, of which round(mismatch · unlabelled)
///   come from the unseen classes (spread evenly over them) and the rest from the seen
///   classes (spread evenly), in a shuffled order;
/// - validation: `validation` further training images from the seen classes (spread evenly);
/// - test: every test image of a seen class.
///
/// Labels are remapped to 0..<seen in the order of `seenClasses`; unlabelled images of unseen
/// classes carry the label −1 (`isSeen` is false for them), so a run can score how it treats
/// them without ever training on their labels. No image is in two parts. The draw depends only
/// on the data and `seed` (SplitMix64 shuffles of our own, not libtorch's generator).
///
/// Unlike the official loader, which takes its validation images at random from all classes
/// and then drops the unseen ones (so 5,000 becomes about 3,000), `validation` counts seen-class
/// images, and the unlabelled set has exactly `unlabelled` images (the official split rounds
/// each class's share down).
public struct SemiSupervisedSplit {
  public let labelled: ImageDataset
  public let unlabelled: ImageDataset
  public let validation: ImageDataset
  public let test: ImageDataset
  /// The original classes behind labels 0..<seen.
  public let seenClasses: [Int]
  /// The original classes of the unseen-class unlabelled images.
  public let unseenClasses: [Int]

  /// Whether each unlabelled image comes from a seen class, bool [M].
  public var isSeen: Tensor { unlabelled.labels .>= 0 }

  public init(
    train: ImageDataset, test: ImageDataset, seenClasses: [Int], labels: Int, unlabelled: Int, mismatch: Double,
    validation: Int, seed: UInt64
  ) throws {
    let trainLabels = train.labels.toArray(Int64.self).map(Int.init)
    let classes = Array(Set(trainLabels)).sorted()
    guard !seenClasses.isEmpty else { throw SemiSupervisedSplitError.noSeenClasses }
    for (i, c) in seenClasses.enumerated() {
      guard classes.contains(c) else { throw SemiSupervisedSplitError.unknownSeenClass(c, available: classes) }
      if seenClasses[..<i].contains(c) { throw SemiSupervisedSplitError.repeatedSeenClass(c) }
    }
    guard (0...1).contains(mismatch) else { throw SemiSupervisedSplitError.mismatchOutOfRange(mismatch) }
    let unseen = classes.filter { !seenClasses.contains($0) }
    let unseenCount = Int((Double(unlabelled) * mismatch).rounded())
    guard labels > 0 else { throw SemiSupervisedSplitError.nonPositiveLabels(labels) }
    guard labels % seenClasses.count == 0 else {
      throw SemiSupervisedSplitError.labelsNotDivisible(labels: labels, classes: seenClasses.count)
    }
    guard unlabelled >= 0 else { throw SemiSupervisedSplitError.negativeCount(what: "unlabelled", unlabelled) }
    guard validation >= 0 else { throw SemiSupervisedSplitError.negativeCount(what: "validation", validation) }
    guard unseenCount == 0 || !unseen.isEmpty else { throw SemiSupervisedSplitError.noUnseenClasses(mismatch: mismatch) }

    // Each class's training rows in a seeded shuffle; labelled, validation and unlabelled rows
    // are taken from its front in that order, so no row is used twice.
    var pools: [Int: [Int]] = [:]
    for (row, c) in trainLabels.enumerated() { pools[c, default: []].append(row) }
    for c in classes {
      let pool = pools[c]!
      pools[c] = seededPermutation(pool.count, seed: seed &* 0x100_0000_01B3 &+ UInt64(c)).map { pool[$0] }
    }
    let perClass = labels / seenClasses.count
    let validationShares = Self.evenShares(validation, over: seenClasses.count)
    let seenShares = Self.evenShares(unlabelled - unseenCount, over: seenClasses.count)
    let unseenShares = Self.evenShares(unseenCount, over: Swift.max(unseen.count, 1))
    var labelledRows: [Int] = []
    var labelledTargets: [Int] = []
    var validationRows: [Int] = []
    var validationTargets: [Int] = []
    var unlabelledRows: [Int] = []
    var unlabelledTargets: [Int] = []
    for (index, c) in seenClasses.enumerated() {
      let pool = pools[c]!
      guard perClass <= pool.count else {
        throw SemiSupervisedSplitError.labelsExceedClass(class: c, perClass: perClass, available: pool.count)
      }
      let validationEnd = perClass + validationShares[index]
      guard validationEnd <= pool.count else {
        throw SemiSupervisedSplitError.validationExceedsClass(class: c, needed: validationEnd, available: pool.count)
      }
      let unlabelledEnd = validationEnd + seenShares[index]
      guard unlabelledEnd <= pool.count else {
        throw SemiSupervisedSplitError.unlabelledExceedsClass(
          class: c, needed: seenShares[index], available: pool.count - validationEnd, seen: true)
      }
      labelledRows += pool[0..<perClass]
      labelledTargets += Array(repeating: index, count: perClass)
      validationRows += pool[perClass..<validationEnd]
      validationTargets += Array(repeating: index, count: validationShares[index])
      unlabelledRows += pool[validationEnd..<unlabelledEnd]
      unlabelledTargets += Array(repeating: index, count: seenShares[index])
    }
    if unseenCount > 0 {
      for (index, c) in unseen.enumerated() {
        let pool = pools[c]!
        guard unseenShares[index] <= pool.count else {
          throw SemiSupervisedSplitError.unlabelledExceedsClass(
            class: c, needed: unseenShares[index], available: pool.count, seen: false)
        }
        unlabelledRows += pool[0..<unseenShares[index]]
        unlabelledTargets += Array(repeating: -1, count: unseenShares[index])
      }
    }

    func part(_ data: ImageDataset, _ rows: [Int], _ targets: [Int], _ name: String, shuffleSeed: UInt64?) -> ImageDataset {
      let order = shuffleSeed.map { seededPermutation(rows.count, seed: $0) } ?? Array(rows.indices)
      let images =
        rows.isEmpty
        ? Tensor.zeros([0, data.channels, data.height, data.width])
        : data.images.indexSelect(dim: 0, index: Tensor(order.map { rows[$0] }))
      return ImageDataset(images: images, labels: Tensor(order.map { targets[$0] }), name: "\(data.name)/\(name)")
    }
    self.labelled = part(train, labelledRows, labelledTargets, "labelled", shuffleSeed: seed &+ 1)
    self.unlabelled = part(train, unlabelledRows, unlabelledTargets, "unlabelled", shuffleSeed: seed &+ 2)
    self.validation = part(train, validationRows, validationTargets, "validation", shuffleSeed: nil)
    let testLabels = test.labels.toArray(Int64.self).map(Int.init)
    let testRows = testLabels.indices.filter { seenClasses.contains(testLabels[$0]) }
    self.test = part(test, testRows, testRows.map { seenClasses.firstIndex(of: testLabels[$0])! }, "seen", shuffleSeed: nil)
    self.seenClasses = seenClasses
    self.unseenClasses = unseenCount > 0 ? unseen : []
  }

  /// `total` split over `parts` as evenly as possible, the first parts one larger.
  static func evenShares(_ total: Int, over parts: Int) -> [Int] {
    (0..<parts).map { total / parts + ($0 < total % parts ? 1 : 0) }
  }
}
