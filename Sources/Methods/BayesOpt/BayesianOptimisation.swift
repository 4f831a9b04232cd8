import Foundation
import Torch

/// Sequential minimisation of a grid objective by an acquisition policy.
public enum BayesianOptimisation {
  /// Evaluates `initialIndex`, then `evaluations − 1` points chosen by `policy`, each given all
  /// earlier evaluations. Evaluations are exact (noise-free) values of the objective.
  public static func minimise(
    _ objective: GridObjective, policy: some AcquisitionPolicy, evaluations: Int, initialIndex: Int
  ) -> OptimisationTrace {
    precondition(evaluations >= 1 && objective.x.indices.contains(initialIndex), "need ≥ 1 evaluation and a grid index")
    let grid = objective.gridTensor
    var seen = Evaluations()
    var indices: [Int] = []
    var index = initialIndex
    for step in 0..<evaluations {
      if step > 0 { index = policy.propose(on: grid, given: seen) }
      indices.append(index)
      seen.x.append(objective.x[index])
      seen.y.append(objective.values[index])
    }
    return OptimisationTrace(indices: indices, values: seen.y, minimum: objective.minimum)
  }

  /// The first point of run `run` on a grid of `gridSize`: drawn from a generator of its own so that
  /// every surrogate starts run `run` from the same point, whatever it does to libtorch's generator.
  public static func initialIndex(run: Int, gridSize: Int, seed: UInt64) -> Int {
    var generator = SplitMix64(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(run + 1))
    return Int.random(in: 0..<gridSize, using: &generator)
  }
}

/// A small seeded generator (SplitMix64), for draws that must not depend on libtorch's stream.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  var state: UInt64

  /// A generator whose stream is fixed by `seed`.
  public init(seed: UInt64) { state = seed }

  /// The next 64 random bits.
  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

extension BayesianOptimisation {
  /// Minimises each objective in turn from its seeded initial point (`initialIndex(run:gridSize:seed:)`),
  /// seeding libtorch's generator with `seed + 1 + run` first so each run is reproducible on its own.
  /// Calls `progress` with the number of finished runs and the last trace.
  public static func runs(
    _ objectives: [GridObjective], policy: some AcquisitionPolicy, evaluations: Int, seed: UInt64,
    progress: (Int, OptimisationTrace) -> Void = { _, _ in }
  ) -> [OptimisationTrace] {
    objectives.enumerated().map { run, objective in
      Torch.manualSeed(seed &+ 1 &+ UInt64(run))
      let start = initialIndex(run: run, gridSize: objective.x.count, seed: seed)
      let trace = minimise(objective, policy: policy, evaluations: evaluations, initialIndex: start)
      progress(run + 1, trace)
      return trace
    }
  }
}
