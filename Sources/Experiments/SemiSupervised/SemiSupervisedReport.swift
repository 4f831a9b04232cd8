import Foundation
import NN
import Plots
import SemiSupervised
import Torch

/// One finished run of the comparison, as `docs/results/ssl-*.json` lists it.
public struct SemiSupervisedResultRow: Codable, Sendable {
  public var method: String
  public var dataset: String
  public var labels: Int
  public var mismatch: Double
  public var seed: UInt64
  /// Seen-class test accuracy at the epoch of best validation accuracy (DS3L's protocol).
  public var accuracy: Double
  /// Seen-class test accuracy after the last epoch.
  public var finalAccuracy: Double
  public var steps: Int
  public var seconds: Double
  public var negativeSamplingT: Double?
  public var meanWeightSeen: Double?
  public var meanWeightUnseen: Double?
  /// The run folder it was read from.
  public var run: String

  /// The method as tables name it: `pi+ns3l (T 0.04)` with negative sampling.
  var label: String { negativeSamplingT.map { "\(method) (T \($0))" } ?? method }

  enum CodingKeys: String, CodingKey {
    case method, dataset, labels, mismatch, seed, accuracy, steps, seconds, run
    case finalAccuracy = "final_accuracy"
    case negativeSamplingT = "negative_sampling_T"
    case meanWeightSeen = "mean_weight_seen"
    case meanWeightUnseen = "mean_weight_unseen"
  }
}

/// `ssl report`: the metrics.json of several `ssl train` runs as rows, a Markdown table of the
/// mean and spread over seeds, and accuracy against the mismatch share, one line per method.
public struct SemiSupervisedReport {
  public let rows: [SemiSupervisedResultRow]

  /// Reads the runs in `folders`; a folder without metrics.json is refused by name.
  public init(folders: [String]) throws {
    rows = try folders.map { folder in
      let url = URL(fileURLWithPath: folder).appendingPathComponent("metrics.json")
      guard let metrics = readJSON(SemiSupervisedTrainingMetrics.self, from: url) else {
        throw ExperimentError("no ssl metrics at \(url.path): pass run folders that `penumbra ssl train` finished")
      }
      let run = metrics.run
      return SemiSupervisedResultRow(
        method: run.method.rawValue + (run.negativeSampling == nil ? "" : "+ns3l"), dataset: run.dataset.rawValue,
        labels: run.labels, mismatch: run.mismatch, seed: run.seed, accuracy: metrics.testAccuracyAtBestValidation,
        finalAccuracy: metrics.final.accuracy, steps: metrics.steps, seconds: metrics.seconds,
        negativeSamplingT: run.negativeSampling, meanWeightSeen: metrics.final.meanWeightSeen,
        meanWeightUnseen: metrics.final.meanWeightUnseen, run: folder)
    }
  }

  /// Rows grouped by method, data set, labels and mismatch, in first-seen order.
  var groups: [(key: String, rows: [SemiSupervisedResultRow])] {
    var order: [String] = []
    var grouped: [String: [SemiSupervisedResultRow]] = [:]
    for row in rows {
      let key = "\(row.label)|\(row.dataset)|\(row.labels)|\(row.mismatch)"
      if grouped[key] == nil { order.append(key) }
      grouped[key, default: []].append(row)
    }
    return order.map { ($0, grouped[$0]!) }
  }

  static func meanAndSpread(_ values: [Double]) -> (mean: Double, std: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.count > 1 ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1) : 0
    return (mean, variance.squareRoot())
  }

  /// Mean ± sample standard deviation over seeds of each setting.
  public var markdown: String {
    var lines = [
      "| method | data | labels | mismatch | seeds | test acc. (best val.) | final test acc. | mean weight seen / unseen | steps | seconds |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (_, group) in groups {
      let first = group[0]
      let best = Self.meanAndSpread(group.map(\.accuracy))
      let final = Self.meanAndSpread(group.map(\.finalAccuracy))
      let seen = group.compactMap(\.meanWeightSeen)
      let unseen = group.compactMap(\.meanWeightUnseen)
      let weights =
        seen.isEmpty
        ? "–"
        : String(format: "%.3f / %@", Self.meanAndSpread(seen).mean, unseen.isEmpty ? "–" : String(format: "%.3f", Self.meanAndSpread(unseen).mean))
      lines.append(
        "| \(first.label) | \(first.dataset) | \(first.labels) | \(first.mismatch) | \(group.count) | "
          + String(format: "%.4f ± %.4f | %.4f ± %.4f", best.mean, best.std, final.mean, final.std)
          + " | \(weights) | \(group.map(\.steps).max()!) | "
          + String(format: "%.0f", Self.meanAndSpread(group.map(\.seconds)).mean) + " |")
    }
    return lines.joined(separator: "\n")
  }

  /// Test accuracy (best validation) against the mismatch share, one line per method with a
  /// band of ± one standard deviation over seeds: the DS3L paper's figure.
  public func figure(title: String) -> Figure {
    let figure = Figure(width: 900, height: 640)
    let axes = figure.axes()
    axes.title = title
    axes.xLabel = "share of unlabelled images from unseen classes"
    axes.yLabel = "seen-class test accuracy"
    let methods = rows.map(\.label).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let colors: [Color] = [.blue, .orange, .green, .red, .gray, .darkGray]
    for (index, method) in methods.enumerated() {
      let points = groups.filter { $0.rows[0].label == method }
        .map { (x: $0.rows[0].mismatch, stats: Self.meanAndSpread($0.rows.map(\.accuracy))) }
        .sorted { $0.x < $1.x }
      let color = colors[index % colors.count]
      axes.band(
        x: points.map(\.x), lower: points.map { $0.stats.mean - $0.stats.std }, upper: points.map { $0.stats.mean + $0.stats.std },
        color: color)
      axes.line(x: points.map(\.x), y: points.map(\.stats.mean), color: color, label: method)
      axes.scatter(x: points.map(\.x), y: points.map(\.stats.mean), color: color)
    }
    return figure
  }
}

/// `ssl eval`: a trained run rescored on its split's seen-class test images.
public struct SemiSupervisedEvaluation {
  public let run: SemiSupervisedRun
  public let scores: SemiSupervisedScores
  /// DS3L: the learned weight of each unlabelled image from a seen and from an unseen class.
  public let weights: (seen: [Double], unseen: [Double])?

  /// Loads the run at `checkpoint` (its folder or model.safetensors) and scores it.
  public init(checkpoint path: String) throws {
    let (url, info) = try savedCheckpoint(at: path, writtenBy: "ssl train")
    guard let config = info.config, let run = SemiSupervisedRun.decode(config) else {
      throw ExperimentError("\(url.path) is not a semi-supervised checkpoint (its metadata has no ssl configuration)")
    }
    let model = run.makeModel()
    try Checkpoint.load(from: url, into: model)
    self.run = run
    let prepared = try run.prepare(try run.split())
    scores = run.scores(model, prepared)
    weights = run.ds3lWeights(model, prepared)
  }

  /// DS3L's weights as two histograms over [0, 1] (density, 40 bins): seen-class against
  /// unseen-class unlabelled images (the DS3L paper's weight analysis); nil for other methods.
  public func weightHistogram() -> Figure? {
    guard let weights else { return nil }
    let figure = Figure(width: 900, height: 560)
    let axes = figure.axes()
    axes.title = "DS3L's weights: \(run.labels) labels, mismatch \(run.mismatch), seed \(run.seed)"
    axes.xLabel = "weight w(x) of an unlabelled image"
    axes.yLabel = "density"
    _ = axes.histogram(weights.seen, bins: 40, range: 0...1, density: true, color: .blue, alpha: 0.6, label: "seen classes (\(weights.seen.count))")
    if !weights.unseen.isEmpty {
      _ = axes.histogram(
        weights.unseen, bins: 40, range: 0...1, density: true, color: .orange, alpha: 0.6, label: "unseen classes (\(weights.unseen.count))")
    }
    return figure
  }
}
