import ArgumentParser
import Datasets
import Foundation
import Metrics
import NN
import NeuralProcesses
import Training

extension NeuralProcessCommand {
  /// Published per-point target log-likelihoods of the Neural Process Family benchmark
  /// (YannDubs/Neural-Process-Family, 1-D GP results), by kernel and model.
  static let publishedNPF: [String: [String: Double]] = [
    "eq": ["cnp": -0.13, "attncnp": 1.17, "np": -0.29, "anp": 1.20],
    "periodic": ["cnp": -0.99, "attncnp": -0.20, "np": -0.96, "anp": -0.35],
    "noisy-matern": ["cnp": -0.90, "attncnp": -0.71, "np": -0.83, "anp": -0.70],
  ]

  /// NPF's published score for a run of `kind` (cnp, np, attncnp, anp) under `curveProtocol` on `kernel`; nil outside NPF's protocol.
  static func published(curveProtocol: String, kernel: String, kind: String) -> Double? {
    curveProtocol == CurveProtocol.npf.rawValue ? publishedNPF[kernel]?[kind] : nil
  }

  /// The scores of a curve run's `curve.csv`, after the step.
  static let curveColumns = ["target_ll", "context_ll"]

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print Markdown tables of training runs (their metrics.json): curves with the NPF benchmark's published scores, images by context size.")

    @Argument(help: "Run folders written by `np train`.") var runs: [String]

    @Option(help: "Also draw the runs' learning curves (target LL on their curve tasks, from curve.csv) on one figure, written to this PNG.")
    var curves: String?

    func run() throws { print(try report()) }

    /// The tables (and the in-training list) as printed; draws the --curves figure on the way.
    func report() throws -> String {
      var rows: [TrainingMetrics] = []
      var imageRows: [ImageTrainingMetrics] = []
      var curvesByRun: [(label: String, curve: LearningCurve)] = []
      var inTraining: [String] = []
      for run in runs {
        let folder = URL(fileURLWithPath: run)
        let curve = try LearningCurve.read(from: folder.appendingPathComponent("curve.csv"), columns: curveColumns)
        if !curve.points.isEmpty { curvesByRun.append((folder.lastPathComponent, curve)) }
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("metrics.json")) else {
          // A run still training has its curve but no metrics yet.
          guard let last = curve.points.last else {
            throw UsageError("no metrics.json in \(run): train it with `penumbra np train --out \(run)`")
          }
          // Its checkpoint says what it trains, hence which published score it chases.
          let published = (try? NeuralProcessRun.saved(at: run)).flatMap {
            NeuralProcessCommand.published(curveProtocol: $0.run.curveProtocol.rawValue, kernel: $0.run.kernel.rawValue, kind: $0.run.model.kind.rawValue)
          }
          inTraining.append(
            String(format: "%@: step %d, target LL %.2f on its curve tasks", run, last.step, last.values[0])
              + (published.map { String(format: " (NPF: %.2f)", $0) } ?? ""))
          continue
        }
        if let image = try? JSONDecoder().decode(ImageTrainingMetrics.self, from: data) {
          imageRows.append(image)
        } else {
          do {
            rows.append(try JSONDecoder().decode(TrainingMetrics.self, from: data))
          } catch {
            throw UsageError("\(run)/metrics.json is not the metrics of an `np train` run (\(error)); pass the run folders `np train --out` wrote")
          }
        }
      }
      var sections: [String] = []
      if !rows.isEmpty { sections.append(curveTable(rows)) }
      if !imageRows.isEmpty { sections.append(imageTable(imageRows)) }
      if !inTraining.isEmpty { sections.append("Still training (no metrics.json yet):\n" + inTraining.map { "- " + $0 }.joined(separator: "\n")) }
      if let curves {
        guard !curvesByRun.isEmpty else {
          throw UsageError("--curves: none of the runs has a curve.csv; `np train --curve-tasks N` records one")
        }
        try LearningCurve.comparisonFigure(
          curvesByRun, column: "target_ll", title: "Target log-likelihood at each checkpoint",
          xLabel: "training steps", yLabel: "log-likelihood per point (each run's curve tasks)"
        ).write(to: URL(fileURLWithPath: curves))
        sections.append("wrote \(curves)")
      }
      return sections.joined(separator: "\n\n")
    }

    func imageTable(_ rows: [ImageTrainingMetrics]) -> String {
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

    func curveTable(_ rows: [TrainingMetrics]) -> String {
      var lines = [
        "| model | protocol | kernel | steps | train time | target LL | z from (latent) | published (NPF) | GP oracle target LL | context LL | GP oracle context LL |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
      ]
      for row in rows {
        let kind = row.model.split(separator: "-").first.map(String.init) ?? row.model
        let published = NeuralProcessCommand.published(curveProtocol: row.protocol, kernel: row.kernel, kind: kind)
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
}
