import Foundation
import Plots

/// Held-out scores of a training run at its checkpoints: a CSV next to the checkpoint that a
/// resumed run continues (`step,<columns>,train_seconds`), and its figure.
public struct LearningCurve: Equatable {
  public struct Point: Equatable {
    public var step: Int
    /// One value per column.
    public var values: [Double]
    /// Training seconds up to this step, over every run that built the checkpoint.
    public var trainSeconds: Double

    public init(step: Int, values: [Double], trainSeconds: Double) {
      self.step = step
      self.values = values
      self.trainSeconds = trainSeconds
    }
  }

  /// Names of the scores, as in the CSV header (e.g. `target_ll`).
  public let columns: [String]
  public private(set) var points: [Point] = []

  public init(columns: [String], points: [Point] = []) {
    precondition(points.allSatisfy { $0.values.count == columns.count }, "every point needs one value per column")
    self.columns = columns
    self.points = points
  }

  var header: String { (["step"] + columns + ["train_seconds"]).joined(separator: ",") }

  /// The curve of `columns` saved at `url`, or an empty one when there is no file yet.
  public static func read(from url: URL, columns: [String]) throws -> LearningCurve {
    let empty = LearningCurve(columns: columns)
    guard FileManager.default.fileExists(atPath: url.path) else { return empty }
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    guard lines.first.map(String.init) == empty.header else {
      throw LearningCurveError("\(url.path): the first line is not '\(empty.header)'; move the file away to start a new curve")
    }
    return LearningCurve(
      columns: columns,
      points: try lines.dropFirst().enumerated().map { index, line in
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
        guard fields.count == columns.count + 2, let step = fields.first!, fields.allSatisfy({ $0 != nil }) else {
          throw LearningCurveError("\(url.path), line \(index + 2): expected \(columns.count + 2) numbers, got '\(line)'")
        }
        return Point(step: Int(step), values: fields.dropFirst().dropLast().map { $0! }, trainSeconds: fields.last!!)
      })
  }

  /// Adds `point`, replacing the points from its step on: those came from a run that was then
  /// resumed from an earlier checkpoint, so this run retraces them.
  public mutating func record(_ point: Point) {
    precondition(point.values.count == columns.count, "\(point.values.count) values for columns \(columns)")
    points.removeAll { $0.step >= point.step }
    points.append(point)
  }

  /// Writes the CSV atomically.
  public func write(to url: URL) throws {
    let rows = points.map { point in
      ([String(point.step)] + point.values.map { "\($0)" } + ["\(point.trainSeconds)"]).joined(separator: ",")
    }
    try (([header] + rows).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
  }

  /// One line per column (labelled by `labels`, default the column names) against `xLabel`,
  /// with horizontal `references` (an oracle's or a paper's score).
  public func figure(
    title: String, xLabel: String, yLabel: String, labels: [String]? = nil, references: [(label: String, value: Double)] = []
  ) -> Figure {
    let (figure, axes) = Self.panel(title: title, xLabel: xLabel, yLabel: yLabel)
    let steps = points.map { Double($0.step) }
    for (i, label) in (labels ?? columns).enumerated() {
      axes.line(x: steps, y: points.map { $0.values[i] }, color: .palette(i), label: label)
    }
    for (i, reference) in references.enumerated() {
      axes.hlines([reference.value], color: .palette(columns.count + i), style: .dashed, label: reference.label)
    }
    return figure
  }

  /// The one-panel figure both curve figures draw on.
  private static func panel(title: String, xLabel: String, yLabel: String) -> (Figure, Axes) {
    let figure = Figure(width: 900, height: 560)
    let axes = figure.axes()
    axes.title = title
    axes.xLabel = xLabel
    axes.yLabel = yLabel
    return (figure, axes)
  }

  /// The `column` of several runs' curves on one axes, a line per run labelled by `label`.
  public static func comparisonFigure(
    _ runs: [(label: String, curve: LearningCurve)], column: String, title: String, xLabel: String, yLabel: String
  ) -> Figure {
    let (figure, axes) = Self.panel(title: title, xLabel: xLabel, yLabel: yLabel)
    for (i, run) in runs.enumerated() {
      guard let index = run.curve.columns.firstIndex(of: column) else {
        preconditionFailure("comparisonFigure: \(run.label) has no column \(column) (has \(run.curve.columns))")
      }
      axes.line(
        x: run.curve.points.map { Double($0.step) }, y: run.curve.points.map { $0.values[index] }, color: .palette(i),
        label: run.label)
    }
    return figure
  }
}

/// A run folder's learning curve: `curve.csv`, continued by a resumed run, and `curve.png`.
public struct LearningCurveFiles {
  public let csv: URL
  public let png: URL
  public private(set) var curve: LearningCurve

  /// Reads the folder's curve when resuming; a fresh run starts a new one.
  public init(folder: URL, columns: [String], resume: Bool) throws {
    csv = folder.appendingPathComponent("curve.csv")
    png = folder.appendingPathComponent("curve.png")
    curve = resume ? try LearningCurve.read(from: csv, columns: columns) : LearningCurve(columns: columns)
  }

  /// Records `point` and rewrites both files, drawing the curve with `figure`.
  public mutating func record(_ point: LearningCurve.Point, figure: (LearningCurve) -> Figure) throws {
    curve.record(point)
    try curve.write(to: csv)
    try figure(curve).write(to: png)
  }
}

/// A learning-curve file that cannot be read.
public struct LearningCurveError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
