import Foundation
import Plots

extension Axes {
  /// Draws a reliability diagram: accuracy bars per non-empty bin, the gap to mean confidence, and the diagonal.
  public func reliabilityDiagram(_ diagram: ReliabilityDiagram, color: Color = .blue) {
    let filled = diagram.bins.filter { $0.count > 0 }
    let width = diagram.bins.first.map { $0.upper - $0.lower } ?? 1
    let centers = filled.map { ($0.lower + $0.upper) / 2 }
    bar(x: centers, height: filled.map(\.accuracy), width: width, color: color, alpha: 0.85, label: "accuracy")
    // Guo et al.'s style: a translucent red bar spans accuracy to confidence in each bin.
    bar(
      x: centers, height: filled.map { abs($0.accuracy - $0.confidence) }, width: width,
      bottom: filled.map { min($0.accuracy, $0.confidence) }, color: .red, alpha: 0.35, label: "gap to confidence")
    line(x: [0, 1], y: [0, 1], color: .darkGray, width: 1.5, style: .dashed, label: "perfect calibration")
    xLimits = 0...1
    yLimits = 0...1
    xLabel = xLabel ?? "confidence"
    yLabel = yLabel ?? "accuracy"
    legend = .upperLeft
  }

  /// Overlays density-normalised histograms of several score sets on one shared range, with a legend.
  public func scoreHistograms(_ sets: [(label: String, scores: [Double])], bins: Int = 30) {
    let finite = sets.flatMap { $0.scores.filter(\.isFinite) }
    var range = (finite.min() ?? 0)...(finite.max() ?? 1)
    if range.upperBound <= range.lowerBound { range = range.lowerBound - 0.5...range.upperBound + 0.5 }
    // Shared bins keep the bars of different sets aligned and comparable.
    for (label, scores) in sets {
      histogram(scores, bins: bins, range: range, density: true, alpha: 0.5, label: label)
    }
    yLabel = yLabel ?? "density"
  }
}

/// A one-panel reliability diagram with the ECE in its title.
public func reliabilityFigure(_ diagram: ReliabilityDiagram, title: String? = nil, width: Int = 640, height: Int = 600)
  -> Figure
{
  let figure = Figure(width: width, height: height)
  let axes = figure.axes()
  axes.reliabilityDiagram(diagram)
  let ece = "ECE = " + String(format: "%.4f", diagram.expectedCalibrationError)
  axes.title = title.map { "\($0) (\(ece))" } ?? ece
  return figure
}

/// A one-panel histogram of uncertainty or confidence scores, in-distribution against one or more OoD sets.
public func scoreHistogramFigure(
  inDistribution: [Double], outOfDistribution: [(label: String, scores: [Double])],
  inDistributionLabel: String = "in-distribution", scoreName: String = "score", title: String? = nil,
  bins: Int = 30, width: Int = 720, height: Int = 480
) -> Figure {
  let figure = Figure(width: width, height: height)
  let axes = figure.axes()
  axes.scoreHistograms([(inDistributionLabel, inDistribution)] + outOfDistribution, bins: bins)
  axes.xLabel = scoreName
  axes.title = title
  return figure
}
