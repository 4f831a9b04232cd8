import CTorch

// Reductions take dimensions as a variadic list (none means all) or as an array.

extension Tensor {
  @inline(__always)
  func reduce(_ op: Int, _ dims: [Int], keepDim: Bool, _ p: Double = 0) -> Tensor {
    withHandle { handle in
      withInt64s(dims) { d, n in wrap(pt_reduce(Int32(op), handle, d, n, keepDim ? 1 : 0, p)) }
    }
  }

  public func sum(_ dims: Int..., keepDim: Bool = false) -> Tensor { sum(dims: dims, keepDim: keepDim) }
  public func sum(dims: [Int], keepDim: Bool = false) -> Tensor { reduce(Int(PT_SUM), dims, keepDim: keepDim) }

  public func mean(_ dims: Int..., keepDim: Bool = false) -> Tensor { mean(dims: dims, keepDim: keepDim) }
  public func mean(dims: [Int], keepDim: Bool = false) -> Tensor { reduce(Int(PT_MEAN), dims, keepDim: keepDim) }

  public func prod(_ dims: Int..., keepDim: Bool = false) -> Tensor { reduce(Int(PT_PROD), dims, keepDim: keepDim) }

  /// Largest values over `dims` (all when empty).
  public func amax(_ dims: Int..., keepDim: Bool = false) -> Tensor { reduce(Int(PT_AMAX), dims, keepDim: keepDim) }
  /// Smallest values over `dims` (all when empty).
  public func amin(_ dims: Int..., keepDim: Bool = false) -> Tensor { reduce(Int(PT_AMIN), dims, keepDim: keepDim) }

  public func logSumExp(_ dims: Int..., keepDim: Bool = false) -> Tensor {
    logSumExp(dims: dims, keepDim: keepDim)
  }
  public func logSumExp(dims: [Int], keepDim: Bool = false) -> Tensor {
    reduce(Int(PT_LOGSUMEXP), dims, keepDim: keepDim)
  }

  public func any(_ dims: Int..., keepDim: Bool = false) -> Tensor { reduce(Int(PT_ANY), dims, keepDim: keepDim) }
  public func all(_ dims: Int..., keepDim: Bool = false) -> Tensor { reduce(Int(PT_ALL), dims, keepDim: keepDim) }

  /// Vector p-norm over `dims` (all when empty).
  public func norm(_ p: Double = 2, dims: [Int] = [], keepDim: Bool = false) -> Tensor {
    reduce(Int(PT_NORM), dims, keepDim: keepDim, p)
  }

  /// Variance with Bessel's `correction` (1 = unbiased, PyTorch's default).
  public func variance(_ dims: Int..., correction: Int = 1, keepDim: Bool = false) -> Tensor {
    reduce(Int(PT_VAR), dims, keepDim: keepDim, Double(correction))
  }

  public func std(_ dims: Int..., correction: Int = 1, keepDim: Bool = false) -> Tensor {
    reduce(Int(PT_STD), dims, keepDim: keepDim, Double(correction))
  }

  public func countNonzero(_ dims: Int...) -> Tensor { reduce(Int(PT_COUNT_NONZERO), dims, keepDim: false) }

  /// Largest value over all elements.
  public func max() -> Tensor { amax() }
  /// Smallest value over all elements.
  public func min() -> Tensor { amin() }

  /// Largest values along `dim` and their indices.
  public func max(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
    minMax(dim: dim, keepDim: keepDim, isMax: true)
  }

  /// Smallest values along `dim` and their indices.
  public func min(dim: Int, keepDim: Bool = false) -> (values: Tensor, indices: Tensor) {
    minMax(dim: dim, keepDim: keepDim, isMax: false)
  }

  private func minMax(dim: Int, keepDim: Bool, isMax: Bool) -> (values: Tensor, indices: Tensor) {
    withHandle { handle in
      var values: pt_tensor?
      var indices: pt_tensor?
      check(pt_minmax_dim(handle, Int64(dim), keepDim ? 1 : 0, isMax ? 1 : 0, &values, &indices))
      return (wrapped(values), wrapped(indices))
    }
  }

  public func argmax(dim: Int, keepDim: Bool = false) -> Tensor {
    withHandle { wrap(pt_argminmax($0, Int64(dim), keepDim ? 1 : 0, 1)) }
  }

  public func argmin(dim: Int, keepDim: Bool = false) -> Tensor {
    withHandle { wrap(pt_argminmax($0, Int64(dim), keepDim ? 1 : 0, 0)) }
  }

  /// The `k` largest (or smallest) values along `dim`, sorted, with their indices.
  public func topk(_ k: Int, dim: Int = -1, largest: Bool = true) -> (values: Tensor, indices: Tensor) {
    withHandle { handle in
      var values: pt_tensor?
      var indices: pt_tensor?
      check(pt_topk(handle, Int64(k), Int64(dim), largest ? 1 : 0, &values, &indices))
      return (wrapped(values), wrapped(indices))
    }
  }

  public func sorted(dim: Int = -1, descending: Bool = false) -> (values: Tensor, indices: Tensor) {
    withHandle { handle in
      var values: pt_tensor?
      var indices: pt_tensor?
      check(pt_sort(handle, Int64(dim), descending ? 1 : 0, &values, &indices))
      return (wrapped(values), wrapped(indices))
    }
  }

  @inline(__always)
  func alongDim(_ op: Int, _ dim: Int) -> Tensor { withHandle { wrap(pt_along_dim(Int32(op), $0, Int64(dim))) } }

  public func cumsum(dim: Int) -> Tensor { alongDim(Int(PT_CUMSUM), dim) }
  public func cumprod(dim: Int) -> Tensor { alongDim(Int(PT_CUMPROD), dim) }
  public func softmax(dim: Int) -> Tensor { alongDim(Int(PT_SOFTMAX), dim) }
  public func logSoftmax(dim: Int) -> Tensor { alongDim(Int(PT_LOG_SOFTMAX), dim) }
}

/// An output handle written by a status-returning shim call (undefined when it failed).
@inline(__always)
package func wrapped(_ handle: pt_tensor?) -> Tensor { Tensor(handle: handle ?? pt_undefined()) }
