import Foundation
import Torch

/// Two interleaving half circles with Gaussian noise (scikit-learn's `make_moons`): the toy
/// classification set of the DUQ paper's first experiment.
///
/// Class 0 is the upper half circle of radius 1 around (0, 0), class 1 the lower one around
/// (1, 0.5); the first ⌊n/2⌋ points are class 0, the rest class 1, each spread evenly over its
/// arc before the noise is added.
public struct TwoMoons {
  /// Points [n, 2], float32.
  public let points: Tensor
  /// Class of each point [n], int64 (0 or 1).
  public let labels: Tensor

  /// `count` points with noise of standard deviation `noise` drawn from `seed`.
  ///
  /// The noise comes from a SplitMix64 stream of our own, not libtorch's global generator, so a
  /// data set is the same whatever ran before and drawing it leaves the model's seed untouched.
  public init(count: Int, noise: Double, seed: UInt64) {
    precondition(count >= 2, "two moons need at least one point per class, got \(count)")
    let outer = count / 2
    let inner = count - outer
    var coordinates: [Float] = []
    coordinates.reserveCapacity(2 * count)
    var random = SplitMix64(seed: seed)
    for (i, angle) in (Self.angles(outer) + Self.angles(inner)).enumerated() {
      let isOuter = i < outer
      let x = isOuter ? cos(angle) : 1 - cos(angle)
      let y = isOuter ? sin(angle) : 0.5 - sin(angle)
      coordinates.append(Float(x + noise * random.nextGaussian()))
      coordinates.append(Float(y + noise * random.nextGaussian()))
    }
    points = Tensor(coordinates, shape: [count, 2])
    labels = Tensor([Int](repeating: 0, count: outer) + [Int](repeating: 1, count: inner))
  }

  /// `n` angles evenly spaced over [0, π], ends included (as `np.linspace(0, π, n)`).
  static func angles(_ n: Int) -> [Double] {
    n == 1 ? [0] : (0..<n).map { Double.pi * Double($0) / Double(n - 1) }
  }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny seeded generator whose stream never changes
/// with the Swift or libtorch version.
struct SplitMix64 {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform on (0, 1): 53 random bits, offset by half a step so the log below stays finite.
  mutating func nextUniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

  /// Standard normal by Box–Muller (one of the pair is discarded; speed does not matter here).
  mutating func nextGaussian() -> Double {
    let u = nextUniform()
    let v = nextUniform()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}
