import CTorch

/// An n-dimensional array on libtorch, with autograd.
///
/// A `Tensor` owns one reference to a libtorch tensor and releases it in `deinit`.
/// Views (reshape, slicing, transpose) share storage as in PyTorch.
public final class Tensor {
  package let handle: pt_tensor

  package init(handle: pt_tensor) { self.handle = handle }

  deinit { pt_free(handle) }

  /// Calls `body` with this tensor's handle, keeping the tensor alive across the C call.
  @inline(__always)
  package func withHandle<R>(_ body: (pt_tensor) throws -> R) rethrows -> R {
    try withExtendedLifetime(self) { try body(handle) }
  }

  /// Number of tensor handles alive in the process (for leak tests).
  public static var liveCount: Int { Int(pt_live_tensors()) }

  // MARK: Properties

  /// False for the placeholder an op returns after failing inside `withTorchErrors`.
  public var isDefined: Bool { withHandle { pt_defined($0) != 0 } }

  public var rank: Int { withHandle { Int(pt_dim($0)) } }

  public var shape: [Int] { perDimension(pt_shape) }

  /// Elements to step over per index of each dimension; 0 in a dimension that `expand`
  /// broadcast, whose entries all share the same storage.
  public var strides: [Int] { perDimension(pt_strides) }

  /// One number per dimension, as a shim function that fills an array of `rank` values reports it.
  private func perDimension(_ read: (pt_tensor?, UnsafeMutablePointer<Int64>?) -> Int32) -> [Int] {
    withHandle { handle in
      let rank = Int(pt_dim(handle))
      guard rank > 0 else { return [] }
      var values = [Int64](repeating: 0, count: rank)
      check(read(handle, &values))
      return values.map(Int.init)
    }
  }

  /// Size of one dimension (negative counts from the end).
  public func size(_ dim: Int) -> Int {
    let shape = shape
    return shape[dim < 0 ? dim + shape.count : dim]
  }

  public var count: Int { withHandle { Swift.max(0, Int(pt_numel($0))) } }

  public var dtype: DType {
    withHandle { handle in
      let code = pt_dtype(handle)
      // The placeholder a failed op leaves inside `withTorchErrors` has no dtype; its failure is
      // already recorded, so later code reading the dtype must not trap.
      if pt_defined(handle) == 0 && ErrorScopes.current.depth > 0 { return .float32 }
      guard let dtype = DType(rawValue: code) else {
        fatalError("tensor has a scalar type (code \(code)) that Penumbra does not support")
      }
      return dtype
    }
  }

  public var device: Device {
    withHandle { handle in
      var type: Int32 = 0
      var index: Int32 = -1
      check(pt_device(handle, &type, &index))
      return Device(type: type, index: index)
    }
  }

  // MARK: Reading values back

  /// The values in row-major order, converted to `T`.
  public func toArray<T: TensorElement>(_ type: T.Type = T.self) -> [T] {
    let n = count
    var values = [T](repeating: T(), count: n)
    withHandle { handle in
      values.withUnsafeMutableBytes { buffer in
        _ = check(pt_copy_to(handle, buffer.baseAddress, buffer.count, T.dtype.rawValue))
      }
    }
    return values
  }

  /// The single value of a one-element tensor.
  public func item() -> Double {
    var value = 0.0
    withHandle { _ = check(pt_item($0, &value)) }
    return value
  }

  /// The single value of a one-element tensor, as `T`.
  public func item<T: TensorElement>(_ type: T.Type) -> T { toArray(T.self)[0] }

  // MARK: Conversion

  public func to(_ dtype: DType) -> Tensor { to(dtype, device: device) }

  public func to(_ device: Device) -> Tensor { to(dtype, device: device) }

  public func to(_ dtype: DType, device: Device) -> Tensor {
    let code = device.code
    return withHandle { wrap(pt_to($0, dtype.rawValue, code.type, code.index)) }
  }

  public func contiguous() -> Tensor { withHandle { wrap(pt_contiguous($0)) } }

  /// A copy with its own storage (gradients still flow back to this tensor).
  public func clone() -> Tensor { withHandle { wrap(pt_clone($0)) } }

  /// Replaces this tensor's values with `source`'s (dtype and device may change) while it stays
  /// the same object, as PyTorch's `tensor.data = source`; for converting parameters in place.
  public func setData(_ source: Tensor) {
    withExtendedLifetime((self, source)) { _ = check(pt_set_data(handle, source.handle)) }
  }

  /// The same values, cut off from the autograd graph.
  public func detach() -> Tensor { withHandle { wrap(pt_detach($0)) } }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    withHandle { handle in
      guard pt_defined(handle) != 0 else { return "Tensor(undefined)" }
      guard let text = pt_to_string(handle) else { return "Tensor(\(lastTorchError()))" }
      defer { pt_free_string(text) }
      return String(cString: text)
    }
  }
}

// MARK: Helpers for calling the shim

/// Calls `body` with the handles of `tensors`, keeping them alive across the C call.
@inline(__always)
package func withHandles<R>(_ tensors: [Tensor], _ body: ([pt_tensor?]) throws -> R) rethrows -> R {
  try withExtendedLifetime(tensors) { try body(tensors.map { $0.handle }) }
}

/// Calls `body` with the handle of an optional tensor (NULL when absent).
@inline(__always)
package func withOptionalHandle<R>(_ tensor: Tensor?, _ body: (pt_tensor?) throws -> R) rethrows -> R {
  try withExtendedLifetime(tensor) { try body(tensor?.handle) }
}

/// `[Int]` shapes and dimension lists as the shim's `int64_t` arrays.
@inline(__always)
package func withInt64s<R>(_ values: [Int], _ body: (UnsafePointer<Int64>, Int32) throws -> R) rethrows -> R {
  let converted = values.map(Int64.init)
  return try converted.withUnsafeBufferPointer { buffer in
    // An empty array still needs a valid pointer.
    var placeholder: Int64 = 0
    return try withUnsafePointer(to: &placeholder) { empty in
      try body(buffer.baseAddress ?? empty, Int32(values.count))
    }
  }
}

extension Tensor {
  /// Exchanges what this tensor and `other` refer to (both keep their own Swift objects), so a
  /// module's functional call can run its forward on explicit parameter tensors and put its
  /// own back afterwards; autograd graphs built in between keep the tensors they used.
  package func swapContents(with other: Tensor) {
    withExtendedLifetime((self, other)) { pt_swap(handle, other.handle) }
  }
}
