import BayesOpt
import Foundation
import NN
import Training

/// `bo plot` and `bo table`: the results of `bo run --out` files side by side.
public enum BayesOptReport {
  /// Draws the simple-regret curves of the result files `runs` into one PNG at `out`.
  public static func plot(_ runs: [String], to out: String) throws {
    let results = try runs.map(BayesOptRunResult.read)
    let first = results[0].settings
    let title = "Thompson sampling on \(first.objective.rawValue): \(first.functions) functions"
    let figure = RegretSummary.figure(results.map { ($0.label, $0.regret) }, title: title)
    try figure.write(to: URL(fileURLWithPath: out))
  }

  /// A Markdown table of the result files `runs`: simple regret by step, cumulative regret,
  /// evaluations to the minimum (and relative to random search, the NP paper's Table 1).
  public static func table(_ runs: [String]) throws -> [String] {
    let results = try runs.map(BayesOptRunResult.read)
    let steps = BayesOptRunResult.reportedSteps(results.map(\.settings.evaluations).min()!)
    let random = results.first { $0.settings.surrogate == .random }?.regret.evaluationsToMinimum.mean
    var lines = [
      "| surrogate | objective | functions | " + steps.map { "simple regret @\($0)" }.joined(separator: " | ")
        + " | cumulative regret | evaluations to minimum (reached) | ÷ random | time |",
      "| --- | --- | ---: | " + steps.map { _ in "---:" }.joined(separator: " | ") + " | ---: | ---: | ---: | ---: |",
    ]
    for result in results {
      let r = result.regret
      let cells = [result.label, result.settings.objective.rawValue, "\(result.settings.functions)"]
        + steps.map { String(format: "%.4f ± %.4f", r.simpleRegretMean[$0 - 1], r.simpleRegretStandardError[$0 - 1]) }
        + [String(format: "%.2f ± %.2f", r.cumulativeRegret.mean, r.cumulativeRegret.standardError),
           String(format: "%.1f ± %.1f (%d/%d)", r.evaluationsToMinimum.mean, r.evaluationsToMinimum.standardError,
                  r.runsReachingMinimum, result.settings.functions),
           random.map { String(format: "%.2f", r.evaluationsToMinimum.mean / $0) } ?? "–",
           ProgressReporter.format(result.seconds)]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    return lines
  }
}
