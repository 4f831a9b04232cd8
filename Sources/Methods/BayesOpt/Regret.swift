import Foundation

/// Regret of a sequence of evaluated values against the true minimum.
public enum Regret {
  /// Simple regret after each evaluation: the best value found so far minus the minimum.
  public static func simple(_ values: [Double], minimum: Double) -> [Double] {
    var best = Double.infinity
    return values.map { value in
      best = Swift.min(best, value)
      return best - minimum
    }
  }

  /// Cumulative regret after each evaluation: the running sum of value − minimum.
  public static func cumulative(_ values: [Double], minimum: Double) -> [Double] {
    var total = 0.0
    return values.map { value in
      total += value - minimum
      return total
    }
  }

  /// The 1-based evaluation at which the minimum was first reached (the NP paper's measure), or nil.
  public static func evaluationsToMinimum(_ values: [Double], minimum: Double, tolerance: Double = 1e-12) -> Int? {
    values.firstIndex { $0 - minimum <= tolerance }.map { $0 + 1 }
  }
}

/// A sample mean and its standard error (sample std / √n; 0 for one sample).
public struct MeanAndError: Codable, Sendable, Equatable {
  public var mean: Double
  public var standardError: Double

  /// The mean and standard error of `samples` (at least one).
  public init(_ samples: [Double]) {
    let n = Double(samples.count)
    mean = samples.reduce(0, +) / n
    let m = mean
    let variance = samples.count > 1 ? samples.map { ($0 - m) * ($0 - m) }.reduce(0, +) / (n - 1) : 0
    standardError = (variance / n).squareRoot()
  }
}

/// One optimisation run: the grid points evaluated, their values and the grid's minimum.
public struct OptimisationTrace: Sendable {
  /// Grid indices evaluated, in order.
  public var indices: [Int]
  /// Objective values at those indices.
  public var values: [Double]
  /// The objective's minimum on the grid.
  public var minimum: Double

  /// A run from its evaluations and the grid minimum.
  public init(indices: [Int], values: [Double], minimum: Double) {
    self.indices = indices
    self.values = values
    self.minimum = minimum
  }

  /// Best value so far minus the minimum, after each evaluation.
  public var simpleRegret: [Double] { Regret.simple(values, minimum: minimum) }
  /// Running sum of value − minimum, after each evaluation.
  public var cumulativeRegret: [Double] { Regret.cumulative(values, minimum: minimum) }
}

/// Regret over many runs of the same length, step by step (step t = after t evaluations).
public struct RegretSummary: Codable, Sendable {
  /// Per step: entry t − 1 is the value after t evaluations.
  public var simpleRegretMean: [Double]
  public var simpleRegretStandardError: [Double]
  public var cumulativeRegretMean: [Double]
  public var cumulativeRegretStandardError: [Double]
  /// Cumulative regret after the last evaluation.
  public var cumulativeRegret: MeanAndError
  /// Evaluations until the grid minimum was first hit, counting a run that never hit it as its budget (a lower bound).
  public var evaluationsToMinimum: MeanAndError
  /// Runs that hit the grid minimum.
  public var runsReachingMinimum: Int

  /// Means and standard errors over `traces`, which must have equal lengths.
  public init(_ traces: [OptimisationTrace]) {
    precondition(!traces.isEmpty && Set(traces.map(\.values.count)).count == 1, "summaries need runs of one length")
    let steps = traces[0].values.count
    let simple = (0..<steps).map { t in MeanAndError(traces.map { $0.simpleRegret[t] }) }
    let cumulative = (0..<steps).map { t in MeanAndError(traces.map { $0.cumulativeRegret[t] }) }
    simpleRegretMean = simple.map(\.mean)
    simpleRegretStandardError = simple.map(\.standardError)
    cumulativeRegretMean = cumulative.map(\.mean)
    cumulativeRegretStandardError = cumulative.map(\.standardError)
    cumulativeRegret = cumulative[steps - 1]
    let hits = traces.map { Regret.evaluationsToMinimum($0.values, minimum: $0.minimum) }
    evaluationsToMinimum = MeanAndError(hits.map { Double($0 ?? steps) })
    runsReachingMinimum = hits.compactMap { $0 }.count
  }
}
