import Foundation
import Testing

@testable import Metrics

@Suite struct CalibrationTests {
  @Test func matchesScikitLearnReference() throws {
    let reference = try MetricsReference.load()
    #expect(reference.bins == 15 && reference.calibration.count == 4)
    for c in reference.calibration {
      let p = c.probabilities, y = c.labels
      expectClose(accuracy(probabilities: p, labels: y), c.accuracy, "\(c.name) accuracy")
      expectClose(negativeLogLikelihood(probabilities: p, labels: y), c.nll, "\(c.name) nll")
      expectClose(brierScore(probabilities: p, labels: y), c.brier, "\(c.name) brier")
      expectClose(expectedCalibrationError(probabilities: p, labels: y), c.ece, "\(c.name) ece")
      let diagram = ReliabilityDiagram(probabilities: p, labels: y)
      #expect(diagram.bins.map(\.count) == c.binCount, "\(c.name) bin counts")
      for (b, bin) in diagram.bins.enumerated() {
        expectClose(bin.accuracy, c.binAccuracy[b], "\(c.name) bin \(b) accuracy")
        expectClose(bin.confidence, c.binConfidence[b], "\(c.name) bin \(b) confidence")
      }
      let scores = ClassificationScores(probabilities: p, labels: y)
      #expect(scores.ece == diagram.expectedCalibrationError && scores.brier == brierScore(probabilities: p, labels: y))
    }
  }

  @Test func handComputedScores() {
    // Argmax ties go to the first class, as numpy's argmax.
    #expect(accuracy(probabilities: [[0.5, 0.5], [0.3, 0.7]], labels: [0, 1]) == 1)
    #expect(accuracy(probabilities: [[0.5, 0.5], [0.3, 0.7]], labels: [1, 0]) == 0)
    let nll = negativeLogLikelihood(probabilities: [[0.5, 0.5], [0.25, 0.75]], labels: [0, 1])
    expectClose(nll, (log(2) + log(4.0 / 3)) / 2, "nll")
    // A zero probability on the label is clipped to ε, as scikit-learn does.
    expectClose(negativeLogLikelihood(probabilities: [[0, 1]], labels: [0]), -log(Double.ulpOfOne), "clipped nll")
    #expect(brierScore(probabilities: [[1, 0, 0]], labels: [0]) == 0)
    expectClose(brierScore(probabilities: [[0.5, 0.5], [0, 1]], labels: [0, 0]), (0.5 + 2) / 2, "brier")
  }

  @Test func perfectlyCalibratedToyHasZeroECE() {
    // Confidence 0.8 on ten samples, eight of them right; confidence 0.6 on five, three right.
    let probabilities =
      [[Double]](repeating: [0.8, 0.2], count: 10) + [[Double]](repeating: [0.4, 0.6], count: 5)
    let labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1] + [1, 1, 1, 0, 0]
    expectClose(expectedCalibrationError(probabilities: probabilities, labels: labels), 0, tolerance: 1e-12, "ece")
  }

  @Test func overconfidentToyHasTheGapAsECE() {
    // Always 90% sure, right half of the time: ECE = |0.5 − 0.9|.
    let probabilities = [[Double]](repeating: [0.9, 0.1], count: 8)
    let labels = [0, 1, 0, 1, 0, 1, 0, 1]
    expectClose(expectedCalibrationError(probabilities: probabilities, labels: labels), 0.4, tolerance: 1e-12, "ece")
  }

  @Test func binsAreHalfOpenFromBelow() {
    let edge = 3 * (1.0 / 15)  // np.linspace(0, 1, 16)[3]
    let diagram = ReliabilityDiagram(confidences: [edge, 1.0, 0.0, edge.nextUp], correct: [true, false, true, true])
    #expect(diagram.bins.count == 15)
    #expect(diagram.bins[2].count == 1)  // the upper edge of (2/15, 3/15] belongs to it
    #expect(diagram.bins[3].count == 1)
    #expect(diagram.bins[14].count == 1 && diagram.bins[14].accuracy == 0)
    #expect(diagram.bins[0].count == 1)  // a confidence of 0 joins the first bin
    #expect(diagram.bins[0].lower == 0 && diagram.bins[14].upper == 1)
    #expect(diagram.sampleCount == 4)
  }

  @Test func scoresEncodeAsJSON() throws {
    let scores = ClassificationScores(probabilities: [[0.9, 0.1], [0.2, 0.8]], labels: [0, 0])
    let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(scores)) as? [String: Double]
    #expect(Set(object?.keys ?? [:].keys) == ["accuracy", "nll", "brier", "ece"])
    #expect(object?["accuracy"] == 0.5)
  }
}
