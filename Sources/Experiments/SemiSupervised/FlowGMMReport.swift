import Foundation

/// One finished FlowGMM run as a row of docs/results/flowgmm.json.
public struct FlowGMMResultRow: Codable, Sendable, Equatable {
  /// flowgmm, flowgmm-cons or flow-labels-only; on two moons also the baselines mlp-labels-only
  /// and label-spreading.
  public var method: String
  public var dataset: String
  public var labels: Int
  public var unlabelled: Int
  public var seed: UInt64
  public var accuracy: Double
  /// Images only: test NLL in bits per dimension.
  public var nllBitsPerDim: Double?
  public var steps: Int
  public var seconds: Double

  enum CodingKeys: String, CodingKey {
    case method, dataset, labels, unlabelled, seed, accuracy, steps, seconds
    case nllBitsPerDim = "nll_bits_per_dim"
  }
}

/// `ssl report` over FlowGMM runs: a row per run, and a Markdown table of the mean ± standard
/// deviation over seeds of each method, data set and label count.
public struct FlowGMMReport {
  public let rows: [FlowGMMResultRow]

  /// Whether `folder` holds the metrics of a finished FlowGMM run or of `ssl baselines`.
  public static func isFlowGMMRun(_ folder: String) -> Bool { (try? rows(of: folder)) != nil }

  /// The rows of a finished FlowGMM run's folder (one) or of a two-moons baselines folder (two).
  static func rows(of folder: String) throws -> [FlowGMMResultRow] {
    let url = URL(fileURLWithPath: folder).appendingPathComponent("metrics.json")
    if let baselines = readJSON(TwoMoonsBaselines.self, from: url) { return baselines.rows }
    guard let metrics = readJSON(FlowGMMTrainingMetrics.self, from: url) else {
      throw ExperimentError(
        "no FlowGMM metrics at \(url.path): pass run folders that `penumbra ssl train --method flowgmm` or `ssl baselines --out` finished")
    }
    return [
      FlowGMMResultRow(
        method: metrics.run.name, dataset: metrics.run.dataset.rawValue, labels: metrics.run.labels,
        unlabelled: metrics.run.unlabelled, seed: metrics.run.seed, accuracy: metrics.final.accuracy,
        nllBitsPerDim: metrics.final.bitsPerDim, steps: metrics.steps, seconds: metrics.seconds)
    ]
  }

  public init(folders: [String]) throws {
    rows = try folders.flatMap { try Self.rows(of: $0) }
  }

  public var markdown: String {
    struct Key: Hashable, Comparable {
      var dataset: String
      var labels: Int
      var method: String
      static func < (a: Key, b: Key) -> Bool { (a.dataset, a.labels, a.method) < (b.dataset, b.labels, b.method) }
    }
    let groups = Dictionary(grouping: rows) { Key(dataset: $0.dataset, labels: $0.labels, method: $0.method) }
    var lines = [
      "| data | labels | method | unlabelled | seeds | test accuracy | NLL (bits/dim) | steps | seconds |",
      "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key in groups.keys.sorted() {
      let group = groups[key]!
      let bits = group.compactMap(\.nllBitsPerDim)
      lines.append(
        "| \(key.dataset) | \(key.labels) | \(key.method) | \(group[0].unlabelled) | \(group.count) | "
          + "\(Self.meanStd(group.map(\.accuracy), digits: 3)) | \(bits.isEmpty ? "–" : Self.meanStd(bits, digits: 3)) | "
          + "\(group[0].steps) | \(String(format: "%.0f", group.map(\.seconds).reduce(0, +) / Double(group.count))) |")
    }
    return lines.joined(separator: "\n")
  }

  static func meanStd(_ values: [Double], digits: Int) -> String {
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1 else { return String(format: "%.\(digits)f", mean) }
    let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    return String(format: "%.\(digits)f ± %.\(digits)f", mean, std)
  }
}
