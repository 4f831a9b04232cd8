import CTorch

// Elementwise math with broadcasting. Scalars adopt the tensor's dtype, as in PyTorch.

extension Tensor {
  @inline(__always)
  func unary(_ op: Int) -> Tensor { withHandle { wrap(pt_unary(Int32(op), $0)) } }

  @inline(__always)
  func unary(_ op: Int, _ p: Double, _ q: Double = 0) -> Tensor {
    withHandle { wrap(pt_unary_param(Int32(op), $0, p, q)) }
  }

  @inline(__always)
  func binary(_ op: Int, _ other: Tensor) -> Tensor {
    withExtendedLifetime((self, other)) { wrap(pt_binary(Int32(op), handle, other.handle)) }
  }

  @inline(__always)
  func binary(_ op: Int, _ scalar: Double, reversed: Bool = false) -> Tensor {
    withHandle { wrap(pt_binary_scalar(Int32(op), $0, scalar, reversed ? 1 : 0)) }
  }

  public func exp() -> Tensor { unary(Int(PT_EXP)) }
  public func log() -> Tensor { unary(Int(PT_LOG)) }
  public func log1p() -> Tensor { unary(Int(PT_LOG1P)) }
  public func log2() -> Tensor { unary(Int(PT_LOG2)) }
  public func expm1() -> Tensor { unary(Int(PT_EXPM1)) }
  public func sqrt() -> Tensor { unary(Int(PT_SQRT)) }
  public func rsqrt() -> Tensor { unary(Int(PT_RSQRT)) }
  public func square() -> Tensor { unary(Int(PT_SQUARE)) }
  public func reciprocal() -> Tensor { unary(Int(PT_RECIPROCAL)) }
  public func abs() -> Tensor { unary(Int(PT_ABS)) }
  public func sign() -> Tensor { unary(Int(PT_SIGN)) }
  public func sin() -> Tensor { unary(Int(PT_SIN)) }
  public func cos() -> Tensor { unary(Int(PT_COS)) }
  public func tan() -> Tensor { unary(Int(PT_TAN)) }
  public func asin() -> Tensor { unary(Int(PT_ASIN)) }
  public func acos() -> Tensor { unary(Int(PT_ACOS)) }
  public func atan() -> Tensor { unary(Int(PT_ATAN)) }
  public func sinh() -> Tensor { unary(Int(PT_SINH)) }
  public func cosh() -> Tensor { unary(Int(PT_COSH)) }
  public func tanh() -> Tensor { unary(Int(PT_TANH)) }
  public func sigmoid() -> Tensor { unary(Int(PT_SIGMOID)) }
  public func logSigmoid() -> Tensor { unary(Int(PT_LOGSIGMOID)) }
  public func relu() -> Tensor { unary(Int(PT_RELU)) }
  public func gelu() -> Tensor { unary(Int(PT_GELU)) }
  public func silu() -> Tensor { unary(Int(PT_SILU)) }
  public func erf() -> Tensor { unary(Int(PT_ERF)) }
  public func erfinv() -> Tensor { unary(Int(PT_ERFINV)) }
  public func lgamma() -> Tensor { unary(Int(PT_LGAMMA)) }
  public func digamma() -> Tensor { unary(Int(PT_DIGAMMA)) }
  public func floor() -> Tensor { unary(Int(PT_FLOOR)) }
  public func ceil() -> Tensor { unary(Int(PT_CEIL)) }
  public func round() -> Tensor { unary(Int(PT_ROUND)) }
  public func isNaN() -> Tensor { unary(Int(PT_ISNAN)) }
  public func isFinite() -> Tensor { unary(Int(PT_ISFINITE)) }
  public func logicalNot() -> Tensor { unary(Int(PT_LOGICAL_NOT)) }

  public func leakyRelu(negativeSlope: Double = 0.01) -> Tensor { unary(Int(PT_LEAKY_RELU), negativeSlope) }
  public func elu(alpha: Double = 1) -> Tensor { unary(Int(PT_ELU), alpha) }
  public func celu(alpha: Double = 1) -> Tensor { unary(Int(PT_CELU), alpha) }
  /// log(1 + exp(beta·x)) / beta, linear above `threshold` for stability.
  public func softplus(beta: Double = 1, threshold: Double = 20) -> Tensor {
    unary(Int(PT_SOFTPLUS), beta, threshold)
  }
  public func hardtanh(min: Double = -1, max: Double = 1) -> Tensor { unary(Int(PT_HARDTANH), min, max) }

  /// Clamps to [min, max]; either bound may be omitted.
  public func clamp(min: Double? = nil, max: Double? = nil) -> Tensor {
    unary(Int(PT_CLAMP), min ?? .nan, max ?? .nan)
  }

  public func pow(_ exponent: Double) -> Tensor { unary(Int(PT_POW_SCALAR), exponent) }
  public func pow(_ exponent: Tensor) -> Tensor { binary(Int(PT_POW), exponent) }
  public func atan2(_ other: Tensor) -> Tensor { binary(Int(PT_ATAN2), other) }
  public func fmod(_ divisor: Double) -> Tensor { binary(Int(PT_FMOD), divisor) }
  public func remainder(_ divisor: Double) -> Tensor { binary(Int(PT_REMAINDER), divisor) }
  public func floorDivide(_ divisor: Tensor) -> Tensor { binary(Int(PT_FLOOR_DIVIDE), divisor) }

  public func logicalAnd(_ other: Tensor) -> Tensor { binary(Int(PT_LOGICAL_AND), other) }
  public func logicalOr(_ other: Tensor) -> Tensor { binary(Int(PT_LOGICAL_OR), other) }
  public func logicalXor(_ other: Tensor) -> Tensor { binary(Int(PT_LOGICAL_XOR), other) }

  /// self + value · a · b.
  public func addcmul(_ a: Tensor, _ b: Tensor, value: Double = 1) -> Tensor {
    withExtendedLifetime((self, a, b)) { wrap(pt_addcmul(handle, a.handle, b.handle, value)) }
  }

  /// self + value · a / b.
  public func addcdiv(_ a: Tensor, _ b: Tensor, value: Double = 1) -> Tensor {
    withExtendedLifetime((self, a, b)) { wrap(pt_addcdiv(handle, a.handle, b.handle, value)) }
  }

  /// Elements of `self` where `condition` holds, else of `other`.
  public func `where`(_ condition: Tensor, else other: Tensor) -> Tensor {
    withExtendedLifetime((self, condition, other)) { wrap(pt_where(condition.handle, handle, other.handle)) }
  }

  /// Replaces elements where `mask` is true by `value`.
  public func maskedFill(_ mask: Tensor, _ value: Double) -> Tensor {
    withExtendedLifetime((self, mask)) { wrap(pt_masked_fill(handle, mask.handle, value)) }
  }
}

/// Elementwise minimum with broadcasting.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor { a.binary(Int(PT_MINIMUM), b) }
/// Elementwise maximum with broadcasting.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor { a.binary(Int(PT_MAXIMUM), b) }
public func minimum(_ a: Tensor, _ b: Double) -> Tensor { a.binary(Int(PT_MINIMUM), b) }
public func maximum(_ a: Tensor, _ b: Double) -> Tensor { a.binary(Int(PT_MAXIMUM), b) }

// MARK: Operators

extension Tensor {
  public static prefix func - (x: Tensor) -> Tensor { x.unary(Int(PT_NEG)) }

  public static func + (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_ADD), b) }
  public static func - (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_SUB), b) }
  public static func * (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_MUL), b) }
  public static func / (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_DIV), b) }

  public static func + (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_ADD), b) }
  public static func - (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_SUB), b) }
  public static func * (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_MUL), b) }
  public static func / (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_DIV), b) }

  public static func + (a: Double, b: Tensor) -> Tensor { b.binary(Int(PT_ADD), a, reversed: true) }
  public static func - (a: Double, b: Tensor) -> Tensor { b.binary(Int(PT_SUB), a, reversed: true) }
  public static func * (a: Double, b: Tensor) -> Tensor { b.binary(Int(PT_MUL), a, reversed: true) }
  public static func / (a: Double, b: Tensor) -> Tensor { b.binary(Int(PT_DIV), a, reversed: true) }

  public static func .== (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_EQ), b) }
  public static func .!= (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_NE), b) }
  public static func .< (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_LT), b) }
  public static func .<= (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_LE), b) }
  public static func .> (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_GT), b) }
  public static func .>= (a: Tensor, b: Tensor) -> Tensor { a.binary(Int(PT_GE), b) }

  public static func .== (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_EQ), b) }
  public static func .!= (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_NE), b) }
  public static func .< (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_LT), b) }
  public static func .<= (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_LE), b) }
  public static func .> (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_GT), b) }
  public static func .>= (a: Tensor, b: Double) -> Tensor { a.binary(Int(PT_GE), b) }

  public static func .& (a: Tensor, b: Tensor) -> Tensor { a.logicalAnd(b) }
  public static func .| (a: Tensor, b: Tensor) -> Tensor { a.logicalOr(b) }
}
