import Torch

/// A padded batch of point sets (contexts or targets): x [B, N, Dx], y [B, N, Dy] and
/// mask [B, N] with 1 for real points and 0 for padding.
public struct PointSet {
  public var x: Tensor
  public var y: Tensor
  public var mask: Tensor

  /// A set with every point real (no padding); the mask takes x's dtype.
  public init(x: Tensor, y: Tensor) {
    self.init(x: x, y: y, mask: Tensor.ones([x.size(0), x.size(1)], dtype: x.dtype))
  }

  public init(x: Tensor, y: Tensor, mask: Tensor) {
    precondition(x.rank == 3 && y.rank == 3, "point sets are [batch, points, dimension], got x \(x.shape), y \(y.shape)")
    precondition(mask.rank == 2, "a point mask is [batch, points], got \(mask.shape)")
    self.x = x
    self.y = y
    self.mask = mask.dtype == x.dtype ? mask : mask.to(x.dtype)
  }

  public var batchSize: Int { x.size(0) }

  /// The same points in another dtype.
  public func to(_ dtype: DType) -> PointSet { PointSet(x: x.to(dtype), y: y.to(dtype), mask: mask.to(dtype)) }

  /// Tasks `range` of the batch.
  public func slice(_ range: Range<Int>) -> PointSet {
    PointSet(x: x[range], y: y[range], mask: mask[range])
  }

  /// Number of real points of each task.
  public var counts: [Int] { mask.sum(1).toArray(Double.self).map { Int($0.rounded()) } }

  /// The points of task `index`, without padding: x [n, Dx], y [n, Dy].
  public func task(_ index: Int) -> (x: Tensor, y: Tensor) {
    let count = Int(mask[index].sum().item())
    return (x[index, 0..<count], y[index, 0..<count])
  }
}
