import Foundation
import NN
import Training

/// `ood report`: a Markdown table of `ood train` runs scored by `ood eval` (their metrics.json
/// and eval.json), or every detection score against one OoD set, and optionally their
/// reliability and ROC curves on one figure.
public struct ImageOODReport: Sendable {
  /// Run folders, each optionally qualified: DIR:gram, DIR:member2, DIR:member2:gram.
  public var runs: [String]
  /// Instead of the summary, every detection score against this OoD set.
  public var detection: ImageOODSet?
  /// Where to draw the reliability and ROC curves, if anywhere.
  public var figure: String?
  /// The OoD set of the figure's ROC curves.
  public var figureOod: ImageOODSet = .mnist

  public init(runs: [String]) { self.runs = runs }

  /// A run argument read once for the table and the figure: its folder, which evaluation, and
  /// the training summary.
  struct ScoredRun {
    let folder: String
    let kind: ImageOODEvaluationKind
    let metrics: ImageOODTrainingMetrics

    init(_ argument: String) throws {
      (folder, kind) = try ImageOODEvaluationKind.parse(argument)
      metrics = try ImageOODReport.metrics(folder)
    }

    /// The row's and legend's name.
    var title: String { kind.title(metrics.method) }
  }

  /// The table's lines (header, rule, one row per run); draws the figure first when asked.
  public func markdown() throws -> [String] {
    let scoredRuns = try runs.map(ScoredRun.init)
    let rows = try scoredRuns.map(row)
    if let figure {
      try drawFigure(scoredRuns, to: URL(fileURLWithPath: figure))
    }
    let columns: [String]
    if let detection {
      columns = ["method", "epochs", "TNR95 \(detection.rawValue)", "AUROC", "detection acc.", "AUPR-in", "AUPR-out"]
    } else {
      columns = ["method", "epochs", "train time", "accuracy", "ECE", "NLL"]
        + ImageOODSet.allCases.map { "AUROC / FPR95 \($0.rawValue)" }
    }
    return ["| " + columns.joined(separator: " | ") + " |",
            "| --- | " + columns.dropFirst().map { _ in "---:" }.joined(separator: " | ") + " |"]
      + rows.map { "| " + $0.joined(separator: " | ") + " |" }
  }

  /// Reliability curves of every plain run's classifier and ROC curves of every run's
  /// detector against `figureOod`, each labelled by its method and epochs.
  func drawFigure(_ scoredRuns: [ScoredRun], to url: URL) throws {
    var calibration: [(label: String, scores: ImageOODScoreFile)] = []
    var detection: [(label: String, scores: ImageOODScoreFile)] = []
    for scored in scoredRuns {
      let (run, kind) = (scored.folder, scored.kind)
      let label = "\(scored.title), \(scored.metrics.epochs) ep."
      let file = URL(fileURLWithPath: run).appendingPathComponent(kind.scoreFile)
      let evaluate = "`\(kind.command(run: run))`"
      guard FileManager.default.fileExists(atPath: file.path) else {
        throw ExperimentError(
          "no \(file.lastPathComponent) in \(run) (evaluations before it existed wrote none): rerun \(evaluate)")
      }
      let scores: ImageOODScoreFile
      do { scores = try ImageOODScoreFile.load(from: file) } catch {
        throw ExperimentError("\(file.path) cannot be read (\(error)): rerun \(evaluate) to write it again")
      }
      guard scores.outOfDistribution[figureOod] != nil else {
        throw ExperimentError("\(file.path) has no scores against \(figureOod.rawValue): rerun `penumbra ood eval` with --ood \(figureOod.rawValue)")
      }
      if kind.detector == .none { calibration.append((label, scores)) }
      detection.append((label, scores))
    }
    try imageOODComparisonFigure(calibration: calibration, detection: detection, oodSet: figureOod).write(to: url)
  }

  /// The `ood train` summary of run folder `run`, or an error saying how to make one.
  static func metrics(_ run: String) throws -> ImageOODTrainingMetrics {
    let file = URL(fileURLWithPath: run, isDirectory: true).appendingPathComponent("metrics.json")
    guard let metrics = readJSON(ImageOODTrainingMetrics.self, from: file) else {
      throw ExperimentError("no `ood train` metrics.json in \(run): run `penumbra ood train --out \(run)`")
    }
    return metrics
  }

  /// One run's cells; a folder without both files says which command to run.
  func row(_ scored: ScoredRun) throws -> [String] {
    let (run, kind, metrics) = (scored.folder, scored.kind, scored.metrics)
    let folder = URL(fileURLWithPath: run, isDirectory: true)
    let evalName = kind.metricsFile
    guard let scores = readJSON(ImageOODEvaluationRecord.self, from: folder.appendingPathComponent(evalName)) else {
      throw ExperimentError("no \(evalName) in \(run): run `\(kind.command(run: run))`")
    }
    func number(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
    let oodCells = ImageOODSet.allCases.map { set in
      scores.outOfDistribution[set].map { "\(number($0.auroc)) / \(number($0.fpr95))" } ?? "–"
    }
    let title = scored.title
    if let detection {
      guard let set = scores.outOfDistribution[detection] else {
        throw ExperimentError("\(run)/\(evalName) has no scores against \(detection.rawValue): rerun `penumbra ood eval` with --ood \(detection.rawValue)")
      }
      return [title, "\(metrics.epochs)"] + [set.tnr95, set.auroc, set.detectionAccuracy, set.auprIn, set.auprOut].map(number)
    }
    return [title, "\(metrics.epochs)", ProgressReporter.format(metrics.seconds)]
      + [scores.accuracy, scores.ece, scores.nll].map(number) + oodCells
  }
}
