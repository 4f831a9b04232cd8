import Foundation

/// The metrics.json of a step-based training run, whose rate and final loss a run that only
/// re-scores keeps.
public protocol TrainingRunMetrics: Codable {
  var stepsPerSecond: Double? { get set }
  var finalLoss: Double? { get set }
}

/// Writes `metrics` to `url`. A run that took no step (a finished run resumed, e.g. to score it
/// with another estimator) keeps the rate and final loss of the metrics it replaces.
public func writeRunMetrics<M: TrainingRunMetrics>(_ metrics: M, to url: URL) throws {
  var metrics = metrics
  if metrics.finalLoss == nil, let previous = readJSON(M.self, from: url) {
    (metrics.stepsPerSecond, metrics.finalLoss) = (previous.stepsPerSecond, previous.finalLoss)
  }
  try writeJSON(metrics, to: url)
}
