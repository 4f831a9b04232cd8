import ArgumentParser
import Foundation
import NN
import NeuralProcesses

extension NeuralProcessCommand {
  /// Published per-point target log-likelihoods of the Neural Process Family benchmark
  /// (YannDubs/Neural-Process-Family, 1-D GP results), by kernel and model.
  static let publishedNPF: [String: [String: Double]] = [
    "eq": ["cnp": -0.13, "attncnp": 1.17, "np": -0.29, "anp": 1.20],
    "periodic": ["cnp": -0.99, "attncnp": -0.20, "np": -0.96, "anp": -0.35],
    "noisy-matern": ["cnp": -0.90, "attncnp": -0.71, "np": -0.83, "anp": -0.70],
  ]

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print Markdown tables of training runs (their metrics.json): curves with the NPF benchmark's published scores, images by context size.")

    @Argument(help: "Run folders written by `np train`.") var runs: [String]

    func run() throws {
      var rows: [TrainingMetrics] = []
      var imageRows: [ImageTrainingMetrics] = []
      for run in runs {
        let url = URL(fileURLWithPath: run).appendingPathComponent("metrics.json")
        guard let data = try? Data(contentsOf: url) else { throw UsageError("no metrics.json in \(run): train it with `penumbra np train --out \(run)`") }
        if let image = try? JSONDecoder().decode(ImageTrainingMetrics.self, from: data) {
          imageRows.append(image)
        } else {
          rows.append(try JSONDecoder().decode(TrainingMetrics.self, from: data))
        }
      }
      if !rows.isEmpty { printCurveTable(rows) }
      if !imageRows.isEmpty { printImageTable(imageRows) }
    }

    func printImageTable(_ rows: [ImageTrainingMetrics]) {
      let contexts = rows[0].completion.map(\.context.description)
      print("| model | data | steps | train time | " + contexts.map { "LL, \($0) px" }.joined(separator: " | ")
        + " | std at observed, all px | super-res. 14→28 LL | PSNR (bilinear) |")
      print("| --- | --- | ---: | ---: | " + contexts.map { _ in "---:" }.joined(separator: " | ") + " | ---: | ---: | ---: |")
      for row in rows {
        let cells = [row.model, row.data, "\(row.steps)", ProgressReporter.format(row.seconds)]
          + row.completion.map { String(format: "%.2f", $0.scores.targetLL) }
          + [row.completion.last.map { String(format: "%.3f", $0.scores.stdObserved) } ?? "–",
             String(format: "%.2f", row.superResolution.targetLL),
             String(format: "%.1f dB (%.1f dB)", row.superResolution.psnr, row.superResolution.bilinearPSNR)]
        print("| " + cells.joined(separator: " | ") + " |")
      }
    }

    func printCurveTable(_ rows: [TrainingMetrics]) {
      print("| model | protocol | kernel | steps | train time | target LL | z from (latent) | published (NPF) | GP oracle target LL | context LL | GP oracle context LL |")
      print("| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
      for row in rows {
        let kind = row.model.split(separator: "-").first.map(String.init) ?? row.model
        let published = row.protocol == "npf" ? publishedNPF[row.kernel]?[kind] : nil
        let latentZ: String = row.scores.zFrom?.rawValue ?? "–"
        let cells = [
          row.model + (row.architecture.map { " (\($0))" } ?? ""), row.protocol, row.kernel + (row.randomHyperparameters ? " (random hyp.)" : ""), "\(row.steps)",
          ProgressReporter.format(row.seconds), String(format: "%.2f", row.scores.targetLL), latentZ,
          published.map { String(format: "%.2f", $0) } ?? "–", row.scores.gpTargetLL.map { String(format: "%.2f", $0) } ?? "–",
          String(format: "%.2f", row.scores.contextLL), row.scores.gpContextLL.map { String(format: "%.2f", $0) } ?? "–",
        ]
        print("| " + cells.joined(separator: " | ") + " |")
      }
    }
  }
}
