import Datasets
import Foundation
import Metrics
import NN
import NeuralProcesses
import Training

/// `np report`: Markdown tables of training runs (their metrics.json), curves with the NPF
/// benchmark's published scores and images by context size, a list of the runs still
/// training, and optionally their learning curves on one figure.
public struct NeuralProcessReport: Sendable {
  /// Run folders written by `np train`.
  public var runs: [String]
  /// Where to draw the runs' learning curves (target LL on their curve tasks), if anywhere.
  public var curves: String?

  public init(runs: [String], curves: String? = nil) {
    self.runs = runs
    self.curves = curves
  }

  /// The tables (and the in-training list) as printed; draws the --curves figure on the way.
  public func markdown() throws -> String {
    var rows: [CurveTrainingMetrics] = []
    var imageRows: [ImageCompletionTrainingMetrics] = []
    var curvesByRun: [(label: String, curve: LearningCurve)] = []
    var inTraining: [String] = []
    for run in runs {
      let folder = URL(fileURLWithPath: run)
      let curve = try LearningCurve.read(from: folder.appendingPathComponent("curve.csv"), columns: LearningCurveRecorder.columns)
      if !curve.points.isEmpty { curvesByRun.append((folder.lastPathComponent, curve)) }
      guard let data = try? Data(contentsOf: folder.appendingPathComponent("metrics.json")) else {
        // A run still training has its curve but no metrics yet.
        guard let last = curve.points.last else {
          throw ExperimentError("no metrics.json in \(run): train it with `penumbra np train --out \(run)`")
        }
        // Its checkpoint says what it trains, hence which published score it chases.
        let published = (try? NeuralProcessRun.saved(at: run)).flatMap {
          PublishedNPF.targetLL(curveProtocol: $0.run.curveProtocol.rawValue, kernel: $0.run.kernel.rawValue, kind: $0.run.model.kind.rawValue)
        }
        inTraining.append(
          String(format: "%@: step %d, target LL %.2f on its curve tasks", run, last.step, last.values[0])
            + (published.map { String(format: " (NPF: %.2f)", $0) } ?? ""))
        continue
      }
      if let image = try? JSONDecoder().decode(ImageCompletionTrainingMetrics.self, from: data) {
        imageRows.append(image)
      } else {
        do {
          rows.append(try JSONDecoder().decode(CurveTrainingMetrics.self, from: data))
        } catch {
          throw ExperimentError("\(run)/metrics.json is not the metrics of an `np train` run (\(error)); pass the run folders `np train --out` wrote")
        }
      }
    }
    var sections: [String] = []
    if !rows.isEmpty { sections.append(curveTable(rows)) }
    if !imageRows.isEmpty { sections.append(imageTable(imageRows)) }
    if !inTraining.isEmpty { sections.append("Still training (no metrics.json yet):\n" + inTraining.map { "- " + $0 }.joined(separator: "\n")) }
    if let curves {
      guard !curvesByRun.isEmpty else {
        throw ExperimentError("--curves: none of the runs has a curve.csv; `np train --curve-tasks N` records one")
      }
      try LearningCurve.comparisonFigure(
        curvesByRun, column: "target_ll", title: "Target log-likelihood at each checkpoint",
        xLabel: "training steps", yLabel: "log-likelihood per point (each run's curve tasks)"
      ).write(to: URL(fileURLWithPath: curves))
      sections.append("wrote \(curves)")
    }
    return sections.joined(separator: "\n\n")
  }

  func imageTable(_ rows: [ImageCompletionTrainingMetrics]) -> String {
    let contexts = rows[0].completion.map(\.context.description)
    var lines = ["| model | data | steps | train time | " + contexts.map { "LL, \($0) px" }.joined(separator: " | ")
      + " | std at observed, all px | super-res. 14→28 LL | PSNR (bilinear) |"]
    lines.append("| --- | --- | ---: | ---: | " + contexts.map { _ in "---:" }.joined(separator: " | ") + " | ---: | ---: | ---: |")
    for row in rows {
      let cells = [row.model, row.data, "\(row.steps)", ProgressReporter.format(row.seconds)]
        + row.completion.map { String(format: "%.2f", $0.scores.targetLL) }
        + [row.completion.last.map { String(format: "%.3f", $0.scores.stdObserved) } ?? "–",
           String(format: "%.2f", row.superResolution.targetLL),
           String(format: "%.1f dB (%.1f dB)", row.superResolution.psnr, row.superResolution.bilinearPSNR)]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n")
  }

  func curveTable(_ rows: [CurveTrainingMetrics]) -> String {
    var lines = [
      "| model | protocol | kernel | steps | train time | target LL | z from (latent) | published (NPF) | GP oracle target LL | context LL | GP oracle context LL |",
      "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows {
      let kind = row.model.split(separator: "-").first.map(String.init) ?? row.model
      let published = PublishedNPF.targetLL(curveProtocol: row.protocol, kernel: row.kernel, kind: kind)
      let latentZ: String = row.scores.zFrom?.rawValue ?? "–"
      let cells = [
        row.model + (row.architecture.map { " (\($0))" } ?? ""), row.protocol, row.kernel + (row.randomHyperparameters ? " (random hyp.)" : ""), "\(row.steps)",
        ProgressReporter.format(row.seconds), String(format: "%.2f", row.scores.targetLL), latentZ,
        published.map { String(format: "%.2f", $0) } ?? "–", row.scores.gpTargetLL.map { String(format: "%.2f", $0) } ?? "–",
        String(format: "%.2f", row.scores.contextLL), row.scores.gpContextLL.map { String(format: "%.2f", $0) } ?? "–",
      ]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n")
  }
}
