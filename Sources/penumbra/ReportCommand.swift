import ArgumentParser
import Foundation
import NN

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
      abstract: "Print a Markdown table of training runs (their metrics.json), with the NPF benchmark's published scores.")

    @Argument(help: "Run folders written by `np train`.") var runs: [String]

    func run() throws {
      var rows: [TrainingMetrics] = []
      for run in runs {
        let url = URL(fileURLWithPath: run).appendingPathComponent("metrics.json")
        guard let data = try? Data(contentsOf: url) else { throw UsageError("no metrics.json in \(run): train it with `penumbra np train --out \(run)`") }
        rows.append(try JSONDecoder().decode(TrainingMetrics.self, from: data))
      }
      print("| model | protocol | kernel | steps | train time | target LL | published (NPF) | GP oracle target LL | context LL | GP oracle context LL |")
      print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
      for row in rows {
        let kind = row.model.split(separator: "-").first.map(String.init) ?? row.model
        let published = row.protocol == "npf" ? publishedNPF[row.kernel]?[kind] : nil
        let cells = [
          row.model, row.protocol, row.kernel + (row.randomHyperparameters ? " (random hyp.)" : ""), "\(row.steps)",
          ProgressReporter.format(row.seconds), String(format: "%.2f", row.scores.targetLL),
          published.map { String(format: "%.2f", $0) } ?? "–", row.scores.gpTargetLL.map { String(format: "%.2f", $0) } ?? "–",
          String(format: "%.2f", row.scores.contextLL), row.scores.gpContextLL.map { String(format: "%.2f", $0) } ?? "–",
        ]
        print("| " + cells.joined(separator: " | ") + " |")
      }
    }
  }
}
