import Torch

/// One epoch's batch order: named int64 tensors (permutations) drawn from libtorch's generator
/// at the start of the epoch. A checkpoint saved in the middle of an epoch keeps them, so the
/// resumed run finishes the epoch with exactly the batches the uninterrupted one would see.
public typealias EpochOrder = [String: Tensor]

/// A data set a run passes over in epochs of shuffled mini-batches.
///
/// The loop seeds libtorch's generator with `seed + epoch` and calls `drawOrder()`; then it asks
/// for `batch(b, of: order)` for b in 0..<batchesPerEpoch. Everything random about an epoch's
/// batches must come from the order, so that a saved order reproduces them.
public protocol EpochData {
  associatedtype Batch
  /// Full batches in one epoch (a last partial batch is dropped, as `DataLoader(drop_last=True)`).
  var batchesPerEpoch: Int { get }
  /// Draws one epoch's order from libtorch's generator.
  func drawOrder() -> EpochOrder
  /// Batch `index` (0-based) of an epoch with `order`.
  func batch(_ index: Int, of order: EpochOrder) -> Batch
  /// Whether `order`, read back from a checkpoint, is one this data set could have drawn
  /// (names, shapes and dtype), so a checkpoint from other data is refused, not misread.
  func accepts(_ order: EpochOrder) -> Bool
}

extension EpochData {
  /// Whether `order` has exactly the given names, each an int64 tensor of its shape.
  func order(_ order: EpochOrder, has shapes: [String: [Int]]) -> Bool {
    Set(order.keys) == Set(shapes.keys)
      && shapes.allSatisfy { name, shape in order[name].map { $0.shape == shape && $0.dtype == .int64 } ?? false }
  }
}

/// Rows [index * size, (index + 1) * size) of `order` as an index tensor, wrapping past its end.
func window(_ order: Tensor, index: Int, size: Int) -> Tensor {
  let start = (index * size) % order.size(0)
  if start + size <= order.size(0) { return order[start..<(start + size)] }
  return Tensor.cat([order[start..<order.size(0)], order[0..<(start + size - order.size(0))]])
}

/// Labelled points [n, ...] with labels [n], in shuffled batches of `batchSize`.
public struct LabelledData: EpochData {
  public let points: Tensor
  public let labels: Tensor
  public let batchSize: Int

  public init(points: Tensor, labels: Tensor, batchSize: Int) {
    precondition(points.size(0) == labels.size(0), "\(points.size(0)) points but \(labels.size(0)) labels")
    precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
    precondition(points.size(0) >= batchSize, "\(points.size(0)) points make no full batch of \(batchSize)")
    self.points = points
    self.labels = labels
    self.batchSize = batchSize
  }

  public var count: Int { points.size(0) }
  public var batchesPerEpoch: Int { count / batchSize }

  public func drawOrder() -> EpochOrder { ["orders": Tensor.randperm(count)] }

  public func batch(_ index: Int, of order: EpochOrder) -> LabelledBatch {
    let rows = order["orders"]![(index * batchSize)..<((index + 1) * batchSize)]
    return LabelledBatch(x: points.indexSelect(dim: 0, index: rows), labels: labels.indexSelect(dim: 0, index: rows))
  }

  public func accepts(_ order: EpochOrder) -> Bool { self.order(order, has: ["orders": [count]]) }
}

/// Unlabelled points [n, ...] in shuffled batches of `batchSize`.
public struct UnlabelledData: EpochData {
  public let points: Tensor
  public let batchSize: Int

  public init(points: Tensor, batchSize: Int) {
    precondition(batchSize > 0, "batch size must be positive, got \(batchSize)")
    precondition(points.size(0) >= batchSize, "\(points.size(0)) points make no full batch of \(batchSize)")
    self.points = points
    self.batchSize = batchSize
  }

  public var count: Int { points.size(0) }
  public var batchesPerEpoch: Int { count / batchSize }

  public func drawOrder() -> EpochOrder { ["orders": Tensor.randperm(count)] }

  public func batch(_ index: Int, of order: EpochOrder) -> UnlabelledBatch {
    UnlabelledBatch(x: points.indexSelect(dim: 0, index: order["orders"]![(index * batchSize)..<((index + 1) * batchSize)]))
  }

  public func accepts(_ order: EpochOrder) -> Bool { self.order(order, has: ["orders": [count]]) }
}

/// A labelled set and an unlabelled one, each step drawing a batch from both.
///
/// An epoch is one pass over the set that needs more batches (usually the unlabelled one); the
/// other set is drawn from as many concatenated permutations as that takes, so it cycles like
/// the restarted labelled loader of semi-supervised code (DS3L's, FixMatch's) does.
public struct SemiSupervisedData: EpochData {
  public let labelled: LabelledData
  public let unlabelled: UnlabelledData

  public init(labelled: LabelledData, unlabelled: UnlabelledData) {
    self.labelled = labelled
    self.unlabelled = unlabelled
  }

  public var batchesPerEpoch: Int { Swift.max(labelled.batchesPerEpoch, unlabelled.batchesPerEpoch) }

  /// Permutations of `count` rows concatenated until they cover the epoch's batches of `size`.
  func permutations(_ count: Int, batchSize size: Int) -> Int { (batchesPerEpoch * size + count - 1) / count }

  public func drawOrder() -> EpochOrder {
    func cycled(_ count: Int, _ size: Int) -> Tensor {
      Tensor.cat((0..<permutations(count, batchSize: size)).map { _ in Tensor.randperm(count) })
    }
    return [
      "labelled": cycled(labelled.count, labelled.batchSize),
      "unlabelled": cycled(unlabelled.count, unlabelled.batchSize),
    ]
  }

  public func batch(_ index: Int, of order: EpochOrder) -> SemiSupervisedBatch {
    let labelledRows = window(order["labelled"]!, index: index, size: labelled.batchSize)
    let unlabelledRows = window(order["unlabelled"]!, index: index, size: unlabelled.batchSize)
    return SemiSupervisedBatch(
      labelled: LabelledBatch(
        x: labelled.points.indexSelect(dim: 0, index: labelledRows),
        labels: labelled.labels.indexSelect(dim: 0, index: labelledRows)),
      unlabelled: unlabelled.points.indexSelect(dim: 0, index: unlabelledRows))
  }

  public func accepts(_ order: EpochOrder) -> Bool {
    self.order(
      order,
      has: [
        "labelled": [permutations(labelled.count, batchSize: labelled.batchSize) * labelled.count],
        "unlabelled": [permutations(unlabelled.count, batchSize: unlabelled.batchSize) * unlabelled.count],
      ])
  }
}

/// Labelled batches of images, each image in M transformed copies (rotations by 0°, 90°, 180°,
/// 270° in SLA), with the joint labels of `TransformedCopiesBatch`.
public struct TransformedCopies: EpochData {
  public let base: LabelledData
  /// The M transformations; each maps a batch [batch, ...] to a batch of the same shape.
  public let transforms: [(Tensor) -> Tensor]

  public init(_ base: LabelledData, transforms: [(Tensor) -> Tensor]) {
    precondition(!transforms.isEmpty, "transformed copies need at least one transformation")
    self.base = base
    self.transforms = transforms
  }

  public var batchesPerEpoch: Int { base.batchesPerEpoch }
  public func drawOrder() -> EpochOrder { base.drawOrder() }
  public func accepts(_ order: EpochOrder) -> Bool { base.accepts(order) }

  public func batch(_ index: Int, of order: EpochOrder) -> TransformedCopiesBatch {
    let batch = base.batch(index, of: order)
    let copies = Tensor.stack(transforms.map { $0(batch.x) }, dim: 1)
    return TransformedCopiesBatch(
      x: copies.reshape([-1] + Array(batch.x.shape.dropFirst())), labels: batch.labels, copies: transforms.count)
  }
}

/// `count` independent orders of the same data, one batch from each per step: a deep
/// ensemble's members each see their own shuffle of the training set.
public struct IndependentStreams<Base: EpochData>: EpochData {
  public let base: Base
  public let count: Int

  public init(_ base: Base, count: Int) {
    precondition(count > 0, "streams must be positive, got \(count)")
    self.base = base
    self.count = count
  }

  public var batchesPerEpoch: Int { base.batchesPerEpoch }

  /// Each of the base's order tensors stacked over the streams ([count, ...] under the same
  /// name), drawn stream after stream.
  public func drawOrder() -> EpochOrder {
    let orders = (0..<count).map { _ in base.drawOrder() }
    return orders[0].keys.reduce(into: EpochOrder()) { stacked, name in
      stacked[name] = Tensor.stack(orders.map { $0[name]! })
    }
  }

  func streamOrders(_ order: EpochOrder) -> [EpochOrder] {
    (0..<count).map { stream in order.mapValues { $0[stream] } }
  }

  public func batch(_ index: Int, of order: EpochOrder) -> [Base.Batch] {
    streamOrders(order).map { base.batch(index, of: $0) }
  }

  public func accepts(_ order: EpochOrder) -> Bool {
    order.values.allSatisfy { $0.rank >= 1 && $0.size(0) == count } && streamOrders(order).allSatisfy(base.accepts)
  }
}
