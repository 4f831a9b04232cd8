import BayesOpt
import Foundation
import Plots

extension RegretSummary {
  /// Simple regret against evaluations, mean ± one standard error, one curve per run; log-scale y
  /// with values floored at `floor`, since a run that found the minimum has regret exactly 0.
  public static func figure(_ curves: [(label: String, summary: RegretSummary)], title: String, floor: Double = 1e-4) -> Figure {
    let figure = Figure(width: 900, height: 560)
    let axes = figure.axes()
    axes.title = title
    axes.xLabel = "evaluations"
    axes.yLabel = "simple regret (mean ± s.e., floor \(floor))"
    axes.yScale = .log
    for (i, curve) in curves.enumerated() {
      let color = Color.palette(i)
      let s = curve.summary
      let steps = (1...s.simpleRegretMean.count).map(Double.init)
      let lower = zip(s.simpleRegretMean, s.simpleRegretStandardError).map { Swift.max($0 - $1, floor) }
      let upper = zip(s.simpleRegretMean, s.simpleRegretStandardError).map { Swift.max($0 + $1, floor) }
      axes.band(x: steps, lower: lower, upper: upper, color: color, alpha: 0.2)
      axes.line(x: steps, y: s.simpleRegretMean.map { Swift.max($0, floor) }, color: color, label: curve.label)
    }
    return figure
  }
}
