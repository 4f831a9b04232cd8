import Foundation
import Testing

@testable import Plots

@Suite struct TicksTests {
  @Test func niceNumbers() {
    func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } }
    #expect(close(Ticks.nice(lower: 0, upper: 1, maxCount: 6), [0, 0.2, 0.4, 0.6, 0.8, 1]))
    #expect(Ticks.nice(lower: -3.7, upper: 12.2, maxCount: 8) == [-2, 0, 2, 4, 6, 8, 10, 12])
    #expect(Ticks.nice(lower: 0, upper: 100, maxCount: 5) == [0, 25, 50, 75, 100])
    #expect(close(Ticks.nice(lower: 0.013, upper: 0.0171, maxCount: 5), [0.013, 0.014, 0.015, 0.016, 0.017]))
    #expect(Ticks.nice(lower: 3, upper: 3, maxCount: 5) == [3])
  }

  @Test func stepsAreNiceAndFit() {
    for (lo, hi) in [(0.0, 7.3), (-1e-3, 4e-3), (12.0, 9876.0), (-50.0, -3.0), (0.1, 0.1001)] {
      for maxCount in 2...10 {
        let t = Ticks.nice(lower: lo, upper: hi, maxCount: maxCount)
        #expect(t.count <= maxCount && t.count >= 1)
        #expect(t.allSatisfy { $0 >= lo - 1e-12 && $0 <= hi + 1e-12 })
        if t.count >= 2 {
          let step = t[1] - t[0]
          let mantissa = step / pow(10, floor(log10(step)))
          #expect([1, 2, 2.5, 5].contains { abs($0 - mantissa) < 1e-6 }, "step \(step)")
        }
      }
    }
  }

  @Test func labels() {
    #expect(Ticks.labels([0, 0.25, 0.5]) == ["0.00", "0.25", "0.50"])
    #expect(Ticks.labels([-1, 0, 1]) == ["-1", "0", "1"])
    #expect(Ticks.labels([-0.00000000001, 0.5]) == ["0.0", "0.5"])
    #expect(Ticks.labels([0, 40_000, 80_000, 120_000, 160_000]) == ["0", "40k", "80k", "120k", "160k"])
    #expect(Ticks.labels([100_000, 102_500, 105_000]) == ["100.0k", "102.5k", "105.0k"])
    #expect(Ticks.labels([0, 2e8, 4e8]) == ["0", "2e8", "4e8"])
    #expect(Ticks.labels([100_000, 100_500]) == ["1e5", "1.005e5"])
    #expect(Ticks.scientific(2.5e-5) == "2.5e-5")
  }

  @Test func logTicks() {
    #expect(Ticks.logarithmic(lower: 1e-3, upper: 10, maxCount: 8) == [1e-3, 1e-2, 1e-1, 1, 10])
    #expect(Ticks.logarithmic(lower: 1, upper: 20, maxCount: 8) == [1, 2, 5, 10, 20])
    #expect(Ticks.logLabel(0.01) == "0.01")
    #expect(Ticks.logLabel(1e-6) == "1e-6")
    #expect(Ticks.logLabels([1e-4, 0.1, 100]) == ["1e-4", "1e-1", "1e2"])
    #expect(Ticks.logLabels([0.01, 0.1, 1]) == ["0.01", "0.1", "1"])
  }
}
