import Foundation

/// Axis tick placement at "nice" numbers (1, 2, 2.5 or 5 times a power of ten) and labels.
public enum Ticks {
  /// The largest set of evenly spaced nice ticks inside `lower...upper` with at most
  /// `maxCount` ticks (at least two when the range is non-degenerate).
  public static func nice(lower: Double, upper: Double, maxCount: Int) -> [Double] {
    guard lower.isFinite, upper.isFinite else { return [] }
    let lo = min(lower, upper), hi = max(lower, upper)
    guard hi > lo else { return [lo] }
    let target = max(2, maxCount)
    let step = niceStep(span: hi - lo, maxCount: target, lower: lo, upper: hi)
    return ticks(lower: lo, upper: hi, step: step)
  }

  /// The smallest nice step giving at most `maxCount` ticks in the range.
  public static func niceStep(span: Double, maxCount: Int, lower: Double, upper: Double) -> Double {
    let raw = span / Double(max(1, maxCount - 1))
    // Start one decade below the raw step and take the first nice step that fits.
    var exponent = floor(log10(raw)) - 1
    while true {
      for mantissa in [1.0, 2.0, 2.5, 5.0] {
        let step = mantissa * pow(10, exponent)
        if ticks(lower: lower, upper: upper, step: step).count <= maxCount { return step }
      }
      exponent += 1
    }
  }

  static func ticks(lower: Double, upper: Double, step: Double) -> [Double] {
    // A relative tolerance keeps ticks that fall on the limits despite rounding.
    let eps = step * 1e-9
    let first = (lower / step - 1e-9).rounded(.up)
    var out: [Double] = []
    var k = first
    while k * step <= upper + eps {
      let v = k * step
      out.append(abs(v) < eps ? 0 : v)
      k += 1
      if out.count > 1000 { break }
    }
    return out
  }

  /// Decade ticks (10^k) for a log axis; when fewer than three decades are in range the
  /// 2× and 5× multiples are added.
  public static func logarithmic(lower: Double, upper: Double, maxCount: Int) -> [Double] {
    guard lower > 0, upper > lower else { return lower > 0 ? [lower] : [] }
    let a = Int(floor(log10(lower) + 1e-9)), b = Int(ceil(log10(upper) - 1e-9))
    var decades = (a...b).map { pow(10, Double($0)) }.filter { $0 >= lower * (1 - 1e-9) && $0 <= upper * (1 + 1e-9) }
    if decades.count < 3 {
      var all: [Double] = []
      for e in a...b {
        for m in [1.0, 2.0, 5.0] {
          let v = m * pow(10, Double(e))
          if v >= lower * (1 - 1e-9) && v <= upper * (1 + 1e-9) { all.append(v) }
        }
      }
      if all.count <= maxCount { return all }
    }
    // Thin out decades to fit.
    var every = 1
    while decades.count > maxCount && decades.count / every > maxCount { every += 1 }
    if every > 1 { decades = decades.enumerated().filter { $0.offset % every == 0 }.map(\.element) }
    return decades
  }

  /// Labels for ticks spaced `step` apart, all with the same number of decimals; ticks from
  /// 100,000 up to 10^8 spaced at least 1,000 apart count thousands ("40k", "160k": step axes of
  /// long runs); other very large or very small magnitudes use scientific notation ("2.5e-05"
  /// style shortened to "2.5e-5").
  public static func labels(_ ticks: [Double], step: Double? = nil) -> [String] {
    guard !ticks.isEmpty else { return [] }
    let spacing = step ?? (ticks.count > 1 ? abs(ticks[1] - ticks[0]) : max(abs(ticks[0]), 1))
    let magnitude = ticks.map(abs).max() ?? 0
    if magnitude >= 1e5 && magnitude < 1e8 && spacing >= 1000 {
      return labels(ticks.map { $0 / 1000 }, step: spacing / 1000).map { $0 == "0" ? $0 : $0 + "k" }
    }
    if magnitude >= 1e5 || (magnitude > 0 && magnitude < 1e-3) || (spacing > 0 && spacing < 1e-4) {
      return ticks.map(scientific)
    }
    var decimals = 0
    if spacing > 0 {
      // Enough decimals that consecutive ticks differ in their labels.
      while decimals < 8 {
        let scaled = spacing * pow(10, Double(decimals))
        if abs(scaled - scaled.rounded()) < 1e-6 * max(1, scaled) { break }
        decimals += 1
      }
    }
    return ticks.map { v in
      let s = String(format: "%.\(decimals)f", v)
      return s.hasPrefix("-") && Double(s) == 0 ? String(s.dropFirst()) : s
    }
  }

  /// Compact scientific notation: 1e5, 2.5e-5, 0.
  public static func scientific(_ v: Double) -> String {
    if v == 0 { return "0" }
    let e = Int(floor(log10(abs(v)) + 1e-12))
    var m = v / pow(10, Double(e))
    m = (m * 1000).rounded() / 1000
    let mant = String(format: "%g", m)
    return "\(mant)e\(e)"
  }

  /// Labels for log-axis ticks: plain when every tick lies in 0.001..<10^4, otherwise all
  /// scientific, so one axis never mixes the two styles.
  public static func logLabels(_ ticks: [Double]) -> [String] {
    ticks.allSatisfy { $0 >= 1e-3 && $0 < 1e4 } ? ticks.map(logLabel) : ticks.map(scientific)
  }

  /// Label for a log-axis tick: plain for 0.001...10^4, otherwise scientific.
  public static func logLabel(_ v: Double) -> String {
    if v >= 1e-3 && v < 1e4 {
      return labels([v], step: v)[0]
    }
    return scientific(v)
  }
}
