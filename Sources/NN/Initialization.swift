import Foundation
import Torch

/// Parameter initialisers with PyTorch's formulas (`torch.nn.init`), returning leaves that require grad.
public enum Init {
  /// Fan-in and fan-out of a weight of shape [out, in, kernel...].
  public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    precondition(shape.count >= 2, "fan computation needs a weight with at least 2 dimensions, got \(shape)")
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  /// U(−bound, bound).
  public static func uniform(_ shape: [Int], bound: Double) -> Tensor {
    Tensor.uniform(shape, low: -bound, high: bound).requiringGrad()
  }

  /// Kaiming (He) uniform for a leaky-ReLU slope `a`; `a = √5` is PyTorch's Linear/Conv default.
  public static func kaimingUniform(_ shape: [Int], a: Double = 0, fanIn: Int? = nil) -> Tensor {
    let fan = Double(fanIn ?? fans(shape).fanIn)
    let gain = (2 / (1 + a * a)).squareRoot()
    return uniform(shape, bound: gain * (3 / fan).squareRoot())
  }

  /// Kaiming (He) normal for ReLU networks.
  public static func kaimingNormal(_ shape: [Int], a: Double = 0) -> Tensor {
    let gain = (2 / (1 + a * a)).squareRoot()
    return Tensor.normal(shape, std: gain / Double(fans(shape).fanIn).squareRoot()).requiringGrad()
  }

  /// Xavier (Glorot) uniform.
  public static func xavierUniform(_ shape: [Int], gain: Double = 1) -> Tensor {
    let (fanIn, fanOut) = fans(shape)
    return uniform(shape, bound: gain * (6 / Double(fanIn + fanOut)).squareRoot())
  }

  /// Xavier (Glorot) normal.
  public static func xavierNormal(_ shape: [Int], gain: Double = 1) -> Tensor {
    let (fanIn, fanOut) = fans(shape)
    return Tensor.normal(shape, std: gain * (2 / Double(fanIn + fanOut)).squareRoot()).requiringGrad()
  }

  public static func zeros(_ shape: [Int]) -> Tensor { Tensor.zeros(shape).requiringGrad() }
  public static func ones(_ shape: [Int]) -> Tensor { Tensor.ones(shape).requiringGrad() }
}
