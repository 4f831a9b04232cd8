import Datasets
import Foundation
import GaussianProcesses
import Torch

/// A function to minimise, tabulated on a grid of x in [−2, 2] (the Neural Processes' input range).
public struct GridObjective: Sendable {
  /// A label for progress lines and tables.
  public var name: String
  /// The grid, ascending.
  public var x: [Double]
  /// The function at each grid point.
  public var values: [Double]

  /// An objective from its values on a grid.
  public init(name: String, x: [Double], values: [Double]) {
    precondition(x.count == values.count && !x.isEmpty, "an objective needs one value per grid point")
    self.name = name
    self.x = x
    self.values = values
  }

  /// The smallest value on the grid: the target every regret is measured against.
  public var minimum: Double { values.min()! }

  /// The grid index of the minimum (the first one on ties).
  public var minimiser: Int { values.indices.min { values[$0] < values[$1] }! }

  /// The grid as a float64 tensor [1, M, 1], the shape the surrogates take.
  public var gridTensor: Tensor { Tensor(x, shape: [1, x.count, 1], dtype: .float64) }

  /// The same function shifted and scaled to zero mean and unit standard deviation over the grid,
  /// so surrogates trained on unit-scale GP draws see values of the scale they know.
  public func standardised() -> GridObjective {
    let mean = values.reduce(0, +) / Double(values.count)
    let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    return GridObjective(name: name, x: x, values: values.map { ($0 - mean) / Swift.max(std, 1e-12) })
  }

  /// `count` evenly spaced points on [−2, 2], both ends included.
  public static func grid(count: Int) -> [Double] {
    (0..<count).map { -2 + 4 * Double($0) / Double(count - 1) }
  }
}

/// The test-function families of the experiment.
public enum ObjectiveFamily: String, CaseIterable, Codable, Sendable {
  /// Draws from the GP prior of the ANP paper's `deepmind` protocol (EQ, l = 0.6, σ_f = 1),
  /// so a Neural Process trained on that protocol is the matching surrogate.
  case gpPrior = "gp-prior"
  /// Forrester et al. (2008): (6u − 2)² sin(12u − 4) on u ∈ [0, 1], standardised.
  case forrester
  /// Branin–Hoo along x₁ ∈ [−5, 10] at fixed x₂ ∈ {0, 2.5, …, 15}, standardised.
  case braninSlice = "branin-slice"

  /// The GP the `gp-prior` functions are drawn from: the `deepmind` protocol's EQ kernel.
  public static var priorKernel: Kernel { GPCurveSampler(protocol: .deepmind, kernel: .eq).baseKernel }

  /// The x₂ values of the Branin slices.
  public static let braninSlices: [Double] = stride(from: 0, through: 15, by: 2.5).map { $0 }

  /// `count` objectives on a grid of `gridSize` points: independent GP draws (libtorch's
  /// generator seeded with `seed`), or the named function repeated (Branin cycling through its slices).
  public func objectives(count: Int, gridSize: Int = 1000, seed: UInt64) -> [GridObjective] {
    let x = GridObjective.grid(count: gridSize)
    switch self {
    case .gpPrior:
      return ObjectiveFamily.gpPriorDraws(count: count, x: x, seed: seed)
    case .forrester:
      return Array(repeating: ObjectiveFamily.forrester(x: x).standardised(), count: count)
    case .braninSlice:
      let slices = ObjectiveFamily.braninSlices.map { ObjectiveFamily.braninSlice(x: x, x2: $0).standardised() }
      return (0..<count).map { slices[$0 % slices.count] }
    }
  }

  /// Noise-free draws from the prior GP at x, in float64.
  static func gpPriorDraws(count: Int, x: [Double], seed: UInt64) -> [GridObjective] {
    Torch.manualSeed(seed)
    let process = GaussianProcess(kernel: priorKernel, noiseVariance: 0)
    let draws = process.priorSamples(at: Tensor(x, shape: [1, x.count, 1], dtype: .float64), count: count, withNoise: false)
    return (0..<count).map { GridObjective(name: "gp-prior #\($0)", x: x, values: draws[$0, 0].toArray(Double.self)) }
  }

  /// Forrester's function with u ∈ [0, 1] mapped linearly onto the grid's [−2, 2] (not standardised).
  public static func forrester(x: [Double]) -> GridObjective {
    let values = x.map { x -> Double in
      let u = (x + 2) / 4
      return (6 * u - 2) * (6 * u - 2) * sin(12 * u - 4)
    }
    return GridObjective(name: "forrester", x: x, values: values)
  }

  /// Branin–Hoo at fixed x₂ with x₁ ∈ [−5, 10] mapped linearly onto [−2, 2] (not standardised).
  public static func braninSlice(x: [Double], x2: Double) -> GridObjective {
    let (b, c, t) = (5.1 / (4 * Double.pi * Double.pi), 5 / Double.pi, 1 / (8 * Double.pi))
    let values = x.map { x -> Double in
      let x1 = -5 + 15 * (x + 2) / 4
      let bowl = x2 - b * x1 * x1 + c * x1 - 6
      return bowl * bowl + 10 * (1 - t) * cos(x1) + 10
    }
    return GridObjective(name: "branin x2=\(x2)", x: x, values: values)
  }
}
