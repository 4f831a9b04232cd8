import CTorch

/// Element type of a tensor; raw values are libtorch's `c10::ScalarType` codes.
public enum DType: Int32, Sendable, CaseIterable, CustomStringConvertible {
  case uint8 = 0
  case int32 = 3
  case int64 = 4
  case float32 = 6
  case float64 = 7
  case bool = 11

  /// Bytes per element.
  public var byteCount: Int {
    switch self {
    case .uint8, .bool: 1
    case .int32, .float32: 4
    case .int64, .float64: 8
    }
  }

  public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

  public var description: String {
    switch self {
    case .uint8: "uint8"
    case .int32: "int32"
    case .int64: "int64"
    case .float32: "float32"
    case .float64: "float64"
    case .bool: "bool"
    }
  }
}

/// Where a tensor lives; `cuda` is available when the linked libtorch was built with it.
public enum Device: Sendable, Equatable, CustomStringConvertible {
  case cpu
  case cuda(Int)

  /// libtorch's `c10::DeviceType` code and device index.
  var code: (type: Int32, index: Int32) {
    switch self {
    case .cpu: (0, -1)
    case .cuda(let index): (1, Int32(index))
    }
  }

  init(type: Int32, index: Int32) {
    self = type == 1 ? .cuda(Int(max(index, 0))) : .cpu
  }

  /// True when libtorch can use a CUDA device.
  public static var cudaIsAvailable: Bool { pt_cuda_is_available() != 0 }

  public var description: String {
    switch self {
    case .cpu: "cpu"
    case .cuda(let index): "cuda:\(index)"
    }
  }
}

/// A Swift type that maps one-to-one onto a tensor element type.
public protocol TensorElement: Sendable {
  static var dtype: DType { get }
  init()
}

extension Float: TensorElement { public static var dtype: DType { .float32 } }
extension Double: TensorElement { public static var dtype: DType { .float64 } }
extension Int64: TensorElement { public static var dtype: DType { .int64 } }
extension Int: TensorElement { public static var dtype: DType { .int64 } }
extension Int32: TensorElement { public static var dtype: DType { .int32 } }
extension UInt8: TensorElement { public static var dtype: DType { .uint8 } }
extension Bool: TensorElement { public static var dtype: DType { .bool } }
