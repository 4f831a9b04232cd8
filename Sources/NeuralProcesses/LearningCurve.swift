import Foundation
import Plots

/// Held-out scores of a training run at its checkpoints: a CSV next to the checkpoint that a
/// resumed run continues, and its figure.
public struct LearningCurve: Equatable {
  public struct Point: Equatable {
    public var step: Int
    public var targetLL: Double
    public var contextLL: Double
    /// Training seconds up to this step, over every run that built the checkpoint.
    public var trainSeconds: Double

    public init(step: Int, targetLL: Double, contextLL: Double, trainSeconds: Double) {
      self.step = step
      self.targetLL = targetLL
      self.contextLL = contextLL
      self.trainSeconds = trainSeconds
    }
  }

  public private(set) var points: [Point] = []

  static let header = "step,target_ll,context_ll,train_seconds"

  public init(points: [Point] = []) {
    self.points = points
  }

  /// The curve saved at `url`, or an empty one when there is no file yet.
  public static func read(from url: URL) throws -> LearningCurve {
    guard FileManager.default.fileExists(atPath: url.path) else { return LearningCurve() }
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
    guard lines.first.map(String.init) == header else {
      throw LearningCurveError("\(url.path): the first line is not '\(header)'; move the file away to start a new curve")
    }
    return LearningCurve(
      points: try lines.dropFirst().enumerated().map { index, line in
        let fields = line.split(separator: ",").map { Double($0) }
        guard fields.count == 4, let step = fields[0], let target = fields[1], let context = fields[2],
          let seconds = fields[3]
        else {
          throw LearningCurveError("\(url.path), line \(index + 2): expected four numbers, got '\(line)'")
        }
        return Point(step: Int(step), targetLL: target, contextLL: context, trainSeconds: seconds)
      })
  }

  /// Adds `point`, replacing the points from its step on: those came from a run that was then
  /// resumed from an earlier checkpoint, so this run retraces them.
  public mutating func record(_ point: Point) {
    points.removeAll { $0.step >= point.step }
    points.append(point)
  }

  /// Writes the CSV atomically.
  public func write(to url: URL) throws {
    let rows = points.map { "\($0.step),\($0.targetLL),\($0.contextLL),\($0.trainSeconds)" }
    try (([Self.header] + rows).joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
  }

  /// Target and context log-likelihood against training steps, with horizontal `references`
  /// (the GP oracle, a published score).
  public func figure(title: String, references: [(label: String, value: Double)]) -> Figure {
    let figure = Figure(width: 900, height: 560)
    let axes = figure.axes()
    axes.title = title
    axes.xLabel = "training steps"
    axes.yLabel = "log-likelihood per point (held-out tasks)"
    let steps = points.map { Double($0.step) }
    axes.line(x: steps, y: points.map(\.targetLL), color: .palette(0), label: "target")
    axes.line(x: steps, y: points.map(\.contextLL), color: .palette(1), label: "context")
    for (i, reference) in references.enumerated() {
      axes.hlines([reference.value], color: .palette(i + 2), style: .dashed, label: reference.label)
    }
    return figure
  }
}

/// A learning-curve file that cannot be read.
public struct LearningCurveError: Error, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}
