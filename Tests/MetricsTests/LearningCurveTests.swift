import Foundation
import Metrics
import Testing

@testable import Plots

/// The learning curve's CSV round-trips, a resumed run's points replace the ones it retraces,
/// and a damaged file is refused with its line.
struct LearningCurveTests {
  @Test func roundTripsAndReplacesRetracedPoints() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID().uuidString).csv")
    defer { try? FileManager.default.removeItem(at: url) }
    let columns = ["target_ll", "context_ll"]
    #expect(try LearningCurve.read(from: url, columns: columns).points.isEmpty)
    var curve = LearningCurve(columns: columns)
    for step in [100, 200, 300] {
      curve.record(.init(step: step, values: [-1 + Double(step) / 1000, -0.5], trainSeconds: Double(step) / 10))
    }
    try curve.write(to: url)
    #expect(try String(contentsOf: url, encoding: .utf8).hasPrefix("step,target_ll,context_ll,train_seconds\n100,-0.9,-0.5,10.0\n"))
    var resumed = try LearningCurve.read(from: url, columns: columns)
    #expect(resumed == curve)
    // Resumed from the checkpoint at step 100 (the run had been killed after step 300).
    resumed.record(.init(step: 200, values: [0.5, 0.25], trainSeconds: 21))
    #expect(resumed.points.map(\.step) == [100, 200] && resumed.points[1].values == [0.5, 0.25])

    #expect { try LearningCurve.read(from: url, columns: ["accuracy"]) } throws: { "\($0)".contains("first line") }
    try "step,target_ll,context_ll,train_seconds\n100,-1,-0.5,10\n200,x,-0.5,20\n".write(to: url, atomically: true, encoding: .utf8)
    #expect { try LearningCurve.read(from: url, columns: columns) } throws: { "\($0)".contains("line 3") }
  }

  /// A run folder's files: a resumed run reads the curve back, a fresh one starts anew; every
  /// record rewrites the CSV and the PNG.
  @Test func filesContinueOnlyWhenResuming() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("curve-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    var files = try LearningCurveFiles(folder: folder, columns: ["accuracy"], resume: false)
    try files.record(.init(step: 1, values: [0.5], trainSeconds: 3)) { $0.figure(title: "t", xLabel: "epochs", yLabel: "score") }
    #expect(FileManager.default.fileExists(atPath: files.png.path))
    #expect(try LearningCurveFiles(folder: folder, columns: ["accuracy"], resume: true).curve == files.curve)
    #expect(try LearningCurveFiles(folder: folder, columns: ["accuracy"], resume: false).curve.points.isEmpty)
  }

  /// Several runs on one axes: a line per run, labelled by run, through the chosen column.
  @Test func comparisonFigureDrawsTheColumnOfEveryRun() {
    let columns = ["target_ll", "context_ll"]
    let short = LearningCurve(columns: columns, points: [.init(step: 100, values: [-1.2, 0.5], trainSeconds: 1)])
    let long = LearningCurve(
      columns: columns,
      points: [.init(step: 100, values: [-1.0, 0.7], trainSeconds: 1), .init(step: 200, values: [-0.8, 0.9], trainSeconds: 2)])
    let figure = LearningCurve.comparisonFigure(
      [("short", short), ("long", long)], column: "target_ll", title: "t", xLabel: "steps", yLabel: "LL")
    let lines = figure.grid[0][0].elements.compactMap { element -> (label: String?, x: [Double], y: [Double])? in
      if case let .line(x, y, _, _, _, label) = element { return (label, x, y) }
      return nil
    }
    #expect(lines.map(\.label) == ["short", "long"])
    #expect(lines[0].x == [100] && lines[0].y == [-1.2])
    #expect(lines[1].x == [100, 200] && lines[1].y == [-1.0, -0.8])
  }
}
