import Foundation

/// Prints training progress — step, loss, rate and time left — to standard error, at most
/// once per `interval` seconds (and always for the last step).
public final class ProgressReporter {
  public let totalSteps: Int
  let label: String
  let interval: TimeInterval
  let start = Date()
  let firstStep: Int
  var lastPrint = Date.distantPast
  /// Exponential moving average of the loss, so the printed value is readable.
  var smoothedLoss: Double?

  /// `firstStep` is where a resumed run starts, so the rate counts only this run's steps.
  public init(totalSteps: Int, label: String = "train", firstStep: Int = 0, interval: TimeInterval = 1) {
    self.totalSteps = totalSteps
    self.label = label
    self.firstStep = firstStep
    self.interval = interval
  }

  /// Records the loss after `step` (1-based) and prints if it is time; `extra` adds fields.
  public func update(step: Int, loss: Double, extra: String = "") {
    smoothedLoss = smoothedLoss.map { 0.95 * $0 + 0.05 * loss } ?? loss
    let now = Date()
    guard now.timeIntervalSince(lastPrint) >= interval || step == totalSteps else { return }
    lastPrint = now
    let elapsed = now.timeIntervalSince(start)
    let rate = Double(step - firstStep) / Swift.max(elapsed, 1e-9)
    let remaining = rate > 0 ? Double(totalSteps - step) / rate : 0
    var line = "[\(label)] step \(step)/\(totalSteps)  loss \(String(format: "%.4f", smoothedLoss!))"
    line += "  \(String(format: "%.1f", rate)) steps/s  elapsed \(Self.format(elapsed))  left \(Self.format(remaining))"
    if !extra.isEmpty { line += "  " + extra }
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
  }

  /// Seconds since the reporter was created.
  public var elapsedSeconds: Double { Date().timeIntervalSince(start) }

  /// 75 → "1m15s".
  public static func format(_ seconds: TimeInterval) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return "\(s / 3600)h\(String(format: "%02d", (s % 3600) / 60))m" }
    if s >= 60 { return "\(s / 60)m\(String(format: "%02d", s % 60))s" }
    return "\(s)s"
  }
}
