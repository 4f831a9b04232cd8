import Datasets
import Foundation
import Metrics
import NeuralProcesses

/// Scores the model on fixed test tasks at each checkpoint into `curve.csv` and `curve.png`,
/// with the GP oracle's score and NPF's published one (when known) as reference lines.
public final class LearningCurveRecorder {
  /// The scores of a curve run's `curve.csv`, after the step.
  public static let columns = ["target_ll", "context_ll"]

  var files: LearningCurveFiles
  let batches: [CurveBatch]
  let title: String
  let published: Double?
  /// The GP oracle's target LL on `batches`: fixed tasks, so scored once, at the first point.
  var oracleTargetLL: Double?

  public init(folder: URL, resume: Bool, batches: [CurveBatch], title: String, published: Double?) throws {
    files = try LearningCurveFiles(folder: folder, columns: Self.columns, resume: resume)
    self.batches = batches
    self.title = title
    self.published = published
  }

  public func record(_ network: NeuralProcess, step: Int, trainSeconds: Double, samples: Int?, zFrom: LatentDraws) throws {
    let scores = network.evaluate(batches: batches, samples: samples, zFrom: zFrom, withOracle: oracleTargetLL == nil)
    oracleTargetLL = oracleTargetLL ?? scores.gpTargetLL
    let references = [("GP oracle (target)", oracleTargetLL), ("NPF published (target)", published)]
      .compactMap { label, value in value.map { (label: label, value: $0) } }
    try files.record(.init(step: step, values: [scores.targetLL, scores.contextLL], trainSeconds: trainSeconds)) {
      $0.figure(
        title: self.title, xLabel: "training steps", yLabel: "log-likelihood per point (held-out tasks)",
        labels: ["target", "context"], references: references)
    }
  }
}
