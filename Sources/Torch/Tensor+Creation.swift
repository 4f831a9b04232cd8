import CTorch

extension Tensor {
  // MARK: From Swift values

  /// A tensor holding `values` (row-major) with the element type of `T`.
  ///
  /// `shape` defaults to one dimension; its product must equal `values.count`.
  public convenience init<T: TensorElement>(_ values: [T], shape: [Int]? = nil) {
    self.init(handle: Tensor.handle(copying: values, shape: shape))
  }

  /// A tensor from `Float` values (float32).
  public convenience init(_ values: [Float], shape: [Int]? = nil) {
    self.init(handle: Tensor.handle(copying: values, shape: shape))
  }

  /// A tensor from `Double` values stored as `dtype` (float32 by default, as in PyTorch).
  public convenience init(_ values: [Double], shape: [Int]? = nil, dtype: DType = .float32) {
    switch dtype {
    case .float64: self.init(handle: Tensor.handle(copying: values, shape: shape))
    case .float32: self.init(handle: Tensor.handle(copying: values.map(Float.init), shape: shape))
    default:
      let doubles = Tensor(handle: Tensor.handle(copying: values, shape: shape))
      self.init(handle: doubles.to(dtype).retainedHandle())
    }
  }

  /// A zero-dimensional tensor holding `value`.
  public convenience init(_ value: Double, dtype: DType = .float32) {
    self.init(handle: Tensor.full([], value, dtype: dtype).retainedHandle())
  }

  private static func handle<T: TensorElement>(copying values: [T], shape: [Int]?) -> pt_tensor {
    let shape = shape ?? [values.count]
    precondition(
      shape.reduce(1, *) == values.count,
      "Tensor(_:shape:) got \(values.count) values for shape \(shape)")
    let handle = values.withUnsafeBytes { bytes in
      withInt64s(shape) { dims, rank in pt_from_data(bytes.baseAddress, dims, rank, T.dtype.rawValue) }
    }
    return wrap(handle).retainedHandle()
  }

  /// A new handle to this tensor, for handing its storage to another `Tensor` object.
  package func retainedHandle() -> pt_tensor {
    withHandle { pt_alias($0) }!
  }

  // MARK: Filled

  public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    let code = device.code
    return withInt64s(shape) { dims, rank in
      wrap(pt_full(dims, rank, value, dtype.rawValue, code.type, code.index))
    }
  }

  public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    full(shape, 0, dtype: dtype, device: device)
  }

  public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu) -> Tensor {
    full(shape, 1, dtype: dtype, device: device)
  }

  public static func zeros(like other: Tensor) -> Tensor {
    zeros(other.shape, dtype: other.dtype, device: other.device)
  }

  public static func ones(like other: Tensor) -> Tensor {
    ones(other.shape, dtype: other.dtype, device: other.device)
  }

  public static func full(like other: Tensor, _ value: Double) -> Tensor {
    full(other.shape, value, dtype: other.dtype, device: other.device)
  }

  /// Values from `start` up to (not including) `end`; int64 by default.
  public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .int64) -> Tensor {
    wrap(pt_arange(start, end, step, dtype.rawValue))
  }

  /// 0, 1, ..., end − 1; int64 by default.
  public static func arange(_ end: Double, dtype: DType = .int64) -> Tensor { arange(0, end, dtype: dtype) }

  /// `steps` evenly spaced values from `start` to `end` inclusive.
  public static func linspace(_ start: Double, _ end: Double, steps: Int, dtype: DType = .float32) -> Tensor {
    wrap(pt_linspace(start, end, Int64(steps), dtype.rawValue))
  }

  /// The identity matrix (n × m, m defaulting to n).
  public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) -> Tensor {
    wrap(pt_eye(Int64(n), Int64(m ?? n), dtype.rawValue))
  }

  // MARK: Random (seeded with `Torch.manualSeed`)

  /// Uniform on [0, 1).
  public static func rand(_ shape: [Int], dtype: DType = .float32) -> Tensor {
    withInt64s(shape) { dims, rank in wrap(pt_rand(Int32(PT_RAND_UNIFORM), dims, rank, dtype.rawValue)) }
  }

  /// Standard normal.
  public static func randn(_ shape: [Int], dtype: DType = .float32) -> Tensor {
    withInt64s(shape) { dims, rank in wrap(pt_rand(Int32(PT_RAND_NORMAL), dims, rank, dtype.rawValue)) }
  }

  /// Uniform on [low, high).
  public static func uniform(_ shape: [Int], low: Double, high: Double, dtype: DType = .float32) -> Tensor {
    rand(shape, dtype: dtype) * (high - low) + low
  }

  /// Normal with the given mean and standard deviation.
  public static func normal(_ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32) -> Tensor {
    randn(shape, dtype: dtype) * std + mean
  }

  /// Integers uniform on [low, high), int64.
  public static func randint(_ low: Int, _ high: Int, _ shape: [Int]) -> Tensor {
    withInt64s(shape) { dims, rank in wrap(pt_randint(Int64(low), Int64(high), dims, rank)) }
  }

  /// A random permutation of 0..<n, int64.
  public static func randperm(_ n: Int) -> Tensor { wrap(pt_randperm(Int64(n))) }

  /// 0/1 draws with these probabilities (same shape and dtype).
  public func bernoulli() -> Tensor { withHandle { wrap(pt_bernoulli($0)) } }

  /// Indices drawn from the (unnormalised) probabilities in the last dimension.
  public func multinomial(samples: Int, replacement: Bool = false) -> Tensor {
    withHandle { wrap(pt_multinomial($0, Int64(samples), replacement ? 1 : 0)) }
  }

  /// Gamma(concentration, 1) draws, differentiable with respect to the concentration.
  public func standardGamma() -> Tensor { withHandle { wrap(pt_standard_gamma($0)) } }
}
