import Foundation

/// Prints training progress — step, loss, rate and time left — to standard error, at most
/// once per `interval` seconds (and always for the last step).
public final class ProgressReporter {
  public let totalSteps: Int
  let label: String
  let interval: TimeInterval
  let start = Date()
  var lastPrint = Date.distantPast
  /// Exponential moving average of the loss, so the printed value is readable.
  var smoothedLoss: Double?
  /// (time, step) at recent prints, back to the last one at least `rateWindow` seconds old.
  var recent: [(time: Date, step: Int)] = []
  /// The printed rate covers this many recent seconds, so the time left follows the machine's
  /// current speed: a run that was paused, or shared its cores for a while, recovers within it.
  let rateWindow: TimeInterval = 60

  /// `firstStep` is where a resumed run starts, so the rate counts only this run's steps.
  public init(totalSteps: Int, label: String = "train", firstStep: Int = 0, interval: TimeInterval = 1) {
    self.totalSteps = totalSteps
    self.label = label
    self.interval = interval
    recent = [(start, firstStep)]
  }

  /// Steps per second over the last `rateWindow` seconds (since the start when younger),
  /// recording `step` as done at `now`.
  func recentRate(step: Int, at now: Date) -> Double {
    recent.append((now, step))
    while recent.count > 2 && now.timeIntervalSince(recent[1].time) >= rateWindow { recent.removeFirst() }
    return Double(step - recent[0].step) / Swift.max(now.timeIntervalSince(recent[0].time), 1e-9)
  }

  /// Records the loss after `step` (1-based) and prints if it is time; `extra` adds fields.
  public func update(step: Int, loss: Double, extra: String = "") {
    smoothedLoss = smoothedLoss.map { 0.95 * $0 + 0.05 * loss } ?? loss
    let now = Date()
    guard now.timeIntervalSince(lastPrint) >= interval || step == totalSteps else { return }
    lastPrint = now
    let elapsed = now.timeIntervalSince(start)
    let rate = recentRate(step: step, at: now)
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
