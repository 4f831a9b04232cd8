import Datasets
import Foundation
import Testing
import Torch

@Suite struct TwoMoonsTests {
  @Test func shapesAndBalancedLabels() {
    let moons = TwoMoons(count: 301, noise: 0.1, seed: 4)
    #expect(moons.points.shape == [301, 2])
    #expect(moons.points.dtype == .float32)
    #expect(moons.labels.shape == [301])
    #expect(moons.labels.dtype == .int64)
    let labels = moons.labels.toArray(Int.self)
    #expect(labels.filter { $0 == 0 }.count == 150)
    #expect(labels.filter { $0 == 1 }.count == 151)
  }

  @Test func deterministicForASeed() {
    let a = TwoMoons(count: 200, noise: 0.1, seed: 7).points.toArray(Float.self)
    let b = TwoMoons(count: 200, noise: 0.1, seed: 7).points.toArray(Float.self)
    let c = TwoMoons(count: 200, noise: 0.1, seed: 8).points.toArray(Float.self)
    #expect(a == b)
    #expect(a != c)
  }

  @Test func noiseFreePointsLieOnTheTwoHalfCircles() {
    let moons = TwoMoons(count: 100, noise: 0, seed: 0)
    let xy = moons.points.toArray(Double.self)
    let labels = moons.labels.toArray(Int.self)
    for i in 0..<100 {
      let (x, y) = (xy[2 * i], xy[2 * i + 1])
      // Class 0: upper unit half circle at (0, 0); class 1: lower one at (1, 0.5).
      let (cx, cy, side) = labels[i] == 0 ? (0.0, 0.0, 1.0) : (1.0, 0.5, -1.0)
      #expect(abs(((x - cx) * (x - cx) + (y - cy) * (y - cy)).squareRoot() - 1) < 1e-6)
      #expect((y - cy) * side >= -1e-6)
    }
  }

  @Test func noiseHasTheRequestedStandardDeviation() {
    let clean = TwoMoons(count: 4000, noise: 0, seed: 1).points
    let noisy = TwoMoons(count: 4000, noise: 0.1, seed: 1).points
    let std = (noisy - clean).std().item()
    #expect(abs(std - 0.1) < 0.005)
  }
}
