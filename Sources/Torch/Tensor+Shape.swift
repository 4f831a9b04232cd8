import CTorch

extension Tensor {
  /// The same values with a new shape (one dimension may be -1); a view when possible.
  public func reshape(_ shape: Int...) -> Tensor { reshape(shape) }

  public func reshape(_ shape: [Int]) -> Tensor {
    withHandle { handle in withInt64s(shape) { d, n in wrap(pt_reshape(handle, d, n)) } }
  }

  /// Merges dimensions `start...end` into one.
  public func flatten(from start: Int = 0, to end: Int = -1) -> Tensor {
    let shape = shape
    guard !shape.isEmpty else { return reshape([1]) }
    let first = start < 0 ? start + shape.count : start
    let last = end < 0 ? end + shape.count : end
    let merged = shape[first...last].reduce(1, *)
    return reshape(Array(shape[..<first]) + [merged] + Array(shape[(last + 1)...]))
  }

  public func permute(_ dims: Int...) -> Tensor { permute(dims) }

  public func permute(_ dims: [Int]) -> Tensor {
    withHandle { handle in withInt64s(dims) { d, n in wrap(pt_permute(handle, d, n)) } }
  }

  public func transpose(_ dim0: Int, _ dim1: Int) -> Tensor {
    withHandle { wrap(pt_transpose($0, Int64(dim0), Int64(dim1))) }
  }

  /// The matrix transpose of the last two dimensions.
  public var mT: Tensor { transpose(-2, -1) }

  /// Removes every size-1 dimension.
  public func squeeze() -> Tensor { withHandle { wrap(pt_squeeze($0, 0, 1)) } }

  /// Removes `dim` if its size is 1.
  public func squeeze(_ dim: Int) -> Tensor { withHandle { wrap(pt_squeeze($0, Int64(dim), 0)) } }

  /// Inserts a size-1 dimension at `dim`.
  public func unsqueeze(_ dim: Int) -> Tensor { withHandle { wrap(pt_unsqueeze($0, Int64(dim))) } }

  /// Broadcasts size-1 dimensions to `shape` without copying (-1 keeps a size).
  public func expand(_ shape: Int...) -> Tensor { expand(shape) }

  public func expand(_ shape: [Int]) -> Tensor {
    withHandle { handle in withInt64s(shape) { d, n in wrap(pt_expand(handle, d, n)) } }
  }

  public func expand(as other: Tensor) -> Tensor { expand(other.shape) }

  /// Broadcasts to `shape` (the PyTorch `broadcast_to`).
  public func broadcast(to shape: [Int]) -> Tensor { expand(shape) }

  /// Tiles the tensor `repeats[i]` times along dimension i.
  public func repeated(_ repeats: Int...) -> Tensor {
    withHandle { handle in withInt64s(repeats) { d, n in wrap(pt_repeat(handle, d, n)) } }
  }

  public func flipped(_ dims: Int...) -> Tensor {
    withHandle { handle in withInt64s(dims) { d, n in wrap(pt_flip(handle, d, n)) } }
  }

  /// Joins tensors along an existing dimension.
  public static func cat(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    withHandles(tensors) { handles in wrap(pt_cat(handles, Int32(handles.count), Int64(dim))) }
  }

  /// Joins tensors along a new dimension.
  public static func stack(_ tensors: [Tensor], dim: Int = 0) -> Tensor {
    withHandles(tensors) { handles in wrap(pt_stack(handles, Int32(handles.count), Int64(dim))) }
  }

  /// Splits into pieces of the given sizes along `dim` (views).
  public func split(sizes: [Int], dim: Int = 0) -> [Tensor] {
    var outputs = [pt_tensor?](repeating: nil, count: sizes.count)
    withHandle { handle in
      withInt64s(sizes) { d, n in _ = check(pt_split(handle, d, n, Int64(dim), &outputs)) }
    }
    return outputs.map(wrapped)
  }

  /// Splits into `chunks` nearly equal pieces along `dim` (the last may be smaller).
  public func chunk(_ chunks: Int, dim: Int = 0) -> [Tensor] {
    let size = self.size(dim)
    let step = (size + chunks - 1) / chunks
    let sizes = stride(from: 0, to: size, by: Swift.max(step, 1)).map { Swift.min(step, size - $0) }
    return split(sizes: sizes, dim: dim)
  }

  /// Elements `start..<end` (by `step`) along `dim`; a view. Negative bounds count from the end.
  public func slice(dim: Int, start: Int = 0, end: Int = Int.max, step: Int = 1) -> Tensor {
    withHandle { wrap(pt_slice($0, Int64(dim), Int64(start), Int64(end), Int64(step))) }
  }

  /// The sub-tensor at `index` along `dim`, with that dimension removed.
  public func select(dim: Int, index: Int) -> Tensor {
    withHandle { wrap(pt_select($0, Int64(dim), Int64(index))) }
  }

  /// Rows (along `dim`) picked by an int64 index tensor.
  public func indexSelect(dim: Int, index: Tensor) -> Tensor {
    withExtendedLifetime((self, index)) { wrap(pt_index_select(handle, Int64(dim), index.handle)) }
  }

  public func gather(dim: Int, index: Tensor) -> Tensor {
    withExtendedLifetime((self, index)) { wrap(pt_gather(handle, Int64(dim), index.handle)) }
  }

  /// Rows of each batch element picked by index: self [B, N, D], `indices` int64 [B, K] →
  /// [B, K, D], row k of element b being self[b, indices[b, k]].
  public func gatherRows(_ indices: Tensor) -> Tensor {
    gather(dim: 1, index: indices.unsqueeze(-1).expand([indices.size(0), indices.size(1), size(-1)]))
  }

  /// A copy with `source` values written at `index` along `dim` (added when `accumulate`).
  public func scatter(dim: Int, index: Tensor, source: Tensor, accumulate: Bool = false) -> Tensor {
    withExtendedLifetime((self, index, source)) {
      wrap(pt_scatter(handle, Int64(dim), index.handle, source.handle, accumulate ? 1 : 0))
    }
  }

  /// The elements where `mask` is true, as one dimension.
  public func maskedSelect(_ mask: Tensor) -> Tensor {
    withExtendedLifetime((self, mask)) { wrap(pt_masked_select(handle, mask.handle)) }
  }

  /// Indices of non-zero elements, one row per element.
  public func nonzero() -> Tensor { withHandle { wrap(pt_nonzero($0)) } }

  /// Lower triangle (below and on diagonal `offset`).
  public func tril(_ offset: Int = 0) -> Tensor { withHandle { wrap(pt_triangle($0, Int64(offset), 0)) } }
  /// Upper triangle (above and on diagonal `offset`).
  public func triu(_ offset: Int = 0) -> Tensor { withHandle { wrap(pt_triangle($0, Int64(offset), 1)) } }

  public func diagonal(offset: Int = 0, dim1: Int = -2, dim2: Int = -1) -> Tensor {
    withHandle { wrap(pt_diagonal($0, Int64(offset), Int64(dim1), Int64(dim2))) }
  }

  /// Square matrices whose diagonals are the last dimension.
  public func diagEmbed() -> Tensor { withHandle { wrap(pt_diag_embed($0)) } }

  /// One-hot int64 encoding of integer class indices.
  public func oneHot(classes: Int) -> Tensor { withHandle { wrap(pt_one_hot($0, Int64(classes))) } }
}

// MARK: Subscripts

/// One entry of a tensor subscript: `t[0]`, `t[1..<3]`, `t[.all, 2]`, `t[.newAxis]`, `t[.ellipsis, 0]`.
/// Spelled in subscripts as integers, ranges, `.all`, `.newAxis`, `.ellipsis` and `.stride(a, b, by:)`.
public enum TensorIndex: Sendable {
  case select(Int)
  case slice(Int, Int, step: Int)
  case wholeDimension
  case insertedAxis
  case remainingDimensions
}

/// A value usable inside a tensor subscript.
public protocol TensorIndexExpression {
  var tensorIndex: TensorIndex { get }
}

extension TensorIndex: TensorIndexExpression {
  public var tensorIndex: TensorIndex { self }
}

extension TensorIndexExpression where Self == TensorIndex {
  public static var all: TensorIndex { .wholeDimension }
  public static var newAxis: TensorIndex { .insertedAxis }
  public static var ellipsis: TensorIndex { .remainingDimensions }
  public static func stride(_ start: Int, _ end: Int, by step: Int) -> TensorIndex {
    .slice(start, end, step: step)
  }
}

extension Int: TensorIndexExpression { public var tensorIndex: TensorIndex { .select(self) } }
extension Range<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { .slice(lowerBound, upperBound, step: 1) }
}
extension ClosedRange<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { .slice(lowerBound, upperBound == -1 ? Int.max : upperBound + 1, step: 1) }
}
extension PartialRangeFrom<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { .slice(lowerBound, Int.max, step: 1) }
}
extension PartialRangeUpTo<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { .slice(0, upperBound, step: 1) }
}
extension PartialRangeThrough<Int>: TensorIndexExpression {
  public var tensorIndex: TensorIndex { .slice(0, upperBound == -1 ? Int.max : upperBound + 1, step: 1) }
}

extension Tensor {
  /// NumPy-style basic indexing; results are views.
  public subscript(_ indices: any TensorIndexExpression...) -> Tensor {
    index(indices.map(\.tensorIndex))
  }

  func index(_ indices: [TensorIndex]) -> Tensor {
    let consuming = indices.filter {
      if case .insertedAxis = $0 { return false }
      if case .remainingDimensions = $0 { return false }
      return true
    }.count
    var result = self
    var dim = 0
    for entry in indices {
      switch entry {
      case .select(let i):
        result = result.select(dim: dim, index: i)
      case .slice(let start, let end, let step):
        result = result.slice(dim: dim, start: start, end: end, step: step)
        dim += 1
      case .wholeDimension:
        dim += 1
      case .insertedAxis:
        result = result.unsqueeze(dim)
        dim += 1
      case .remainingDimensions:
        dim += rank - consuming
      }
    }
    return result
  }
}
