import Foundation
import Plots

/// One inference of one finished run of the SLA comparison, as `docs/results/sla.json` lists it.
public struct LabelAugmentationResultRow: Codable, Sendable {
  public var method: String
  public var inference: String
  /// "full" or "few".
  public var data: String
  /// Training images per class (nil: the full set).
  public var perClass: Int?
  public var seed: UInt64
  /// Accuracy on the 10,000 Fashion-MNIST test images after the last epoch.
  public var accuracy: Double
  public var epochs: Int
  public var steps: Int
  public var seconds: Double
  /// The run folder it was read from.
  public var run: String

  enum CodingKeys: String, CodingKey {
    case method, inference, data, seed, accuracy, epochs, steps, seconds, run
    case perClass = "per_class"
  }
}

/// `selfsup report`: the metrics.json of several `selfsup train` runs as rows (one per
/// inference) and a Markdown table of the mean and spread over seeds.
public struct LabelAugmentationReport {
  public let rows: [LabelAugmentationResultRow]

  /// Reads the runs in `folders`; a folder without metrics.json is refused by name.
  public init(folders: [String]) throws {
    rows = try folders.flatMap { folder in
      let url = URL(fileURLWithPath: folder).appendingPathComponent("metrics.json")
      guard let metrics = readJSON(LabelAugmentationMetrics.self, from: url) else {
        throw ExperimentError("no selfsup metrics at \(url.path): pass run folders that `penumbra selfsup train` finished")
      }
      return metrics.scores.map { score in
        LabelAugmentationResultRow(
          method: metrics.run.method.rawValue, inference: score.inference.rawValue,
          data: metrics.run.perClass == nil ? "full" : "few", perClass: metrics.run.perClass, seed: metrics.run.seed,
          accuracy: score.accuracy, epochs: metrics.epochs, steps: metrics.steps, seconds: metrics.seconds, run: folder)
      }
    }
  }

  /// Mean ± sample standard deviation over seeds of each method, inference and data setting.
  public var markdown: String {
    var order: [String] = []
    var grouped: [String: [LabelAugmentationResultRow]] = [:]
    for row in rows {
      let key = "\(row.perClass ?? 0)|\(row.method)|\(row.inference)"
      if grouped[key] == nil { order.append(key) }
      grouped[key, default: []].append(row)
    }
    var lines = [
      "| data | method | inference | seeds | test accuracy | steps | seconds |", "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for key in order {
      let group = grouped[key]!, first = group[0]
      let accuracy = SemiSupervisedReport.meanAndSpread(group.map(\.accuracy))
      let seconds = SemiSupervisedReport.meanAndSpread(group.map(\.seconds)).mean
      lines.append(
        "| \(first.perClass.map { "\($0) a class" } ?? "full") | \(first.method) | \(first.inference) | \(group.count) | "
          + String(format: "%.4f ± %.4f | %d | %.0f |", accuracy.mean, accuracy.std, group.map(\.steps).max()!, seconds))
    }
    return lines.joined(separator: "\n")
  }

  /// The mean test accuracy over seeds (markers; whiskers: ± one standard deviation), one group
  /// per data setting and one colour per method and inference, in the rows' order.
  public func figure(title: String) -> Figure {
    let settings = rows.map(\.perClass).reduce(into: [Int?]()) { if !$0.contains($1) { $0.append($1) } }
    let variants = rows.map { "\($0.method) \($0.inference)" }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let figure = Figure(width: 1_000, height: 620)
    let axes = figure.axes()
    axes.title = title
    axes.xLabel = settings.map { $0.map { "\($0) a class" } ?? "full" }.joined(separator: "   |   ")
    axes.yLabel = "test accuracy"
    let colors: [Color] = [.gray, .orange, .green, .blue, .red, .cyan, .purple, .brown, .pink, .olive]
    let width = 0.8 / Double(variants.count)
    for (v, variant) in variants.enumerated() {
      var x: [Double] = [], mean: [Double] = [], spread: [Double] = []
      for (s, setting) in settings.enumerated() {
        let group = rows.filter { $0.perClass == setting && "\($0.method) \($0.inference)" == variant }
        guard !group.isEmpty else { continue }
        let stats = SemiSupervisedReport.meanAndSpread(group.map(\.accuracy))
        x.append(Double(s) - 0.4 + width * (Double(v) + 0.5))
        mean.append(stats.mean)
        spread.append(stats.std.isFinite ? stats.std : 0)
      }
      let color = colors[v % colors.count]
      axes.scatter(x: x, y: mean, color: color, size: 12, label: variant)
      for (center, (m, s)) in zip(x, zip(mean, spread)) where s > 0 {
        axes.line(x: [center, center], y: [m - s, m + s], color: .black, width: 1.5)
      }
    }
    let low = rows.map(\.accuracy).min() ?? 0, high = rows.map(\.accuracy).max() ?? 1
    axes.yLimits = (Swift.max(0, low - 0.05))...(Swift.min(1, high + 0.02))
    return figure
  }
}
