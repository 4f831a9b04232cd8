import Foundation

// Classification inputs throughout: `probabilities[i]` is sample i's predictive distribution over
// the classes (one row per sample, each row summing to one, e.g. a softmax output) and
// `labels[i]` its true class index. The predicted class is the first maximum of the row (as
// numpy's argmax), and the confidence is that maximum.

/// Fraction of rows (one class distribution per sample) whose first most probable class is the label.
public func accuracy(probabilities: [[Double]], labels: [Int]) -> Double {
  checkClassification(probabilities, labels)
  let hits = zip(probabilities, labels).filter { predictedClass($0) == $1 }.count
  return Double(hits) / Double(labels.count)
}

/// Mean negative log probability of the label (nats), as scikit-learn's `log_loss`.
public func negativeLogLikelihood(probabilities: [[Double]], labels: [Int]) -> Double {
  checkClassification(probabilities, labels)
  // scikit-learn clips to [ε, 1 − ε] so that a confident mistake costs −log ε ≈ 36, not infinity.
  let eps = Double.ulpOfOne
  let total = zip(probabilities, labels).reduce(0.0) { sum, pair in
    sum - Foundation.log(min(max(pair.0[pair.1], eps), 1 - eps))
  }
  return total / Double(labels.count)
}

/// Mean over samples of Σ_c (p_c − onehot_c)² (the multi-class Brier score, range 0...2).
public func brierScore(probabilities: [[Double]], labels: [Int]) -> Double {
  checkClassification(probabilities, labels)
  let total = zip(probabilities, labels).reduce(0.0) { sum, pair in
    let (row, label) = pair
    return sum + row.indices.reduce(0.0) { s, c in
      let d = row[c] - (c == label ? 1 : 0)
      return s + d * d
    }
  }
  return total / Double(labels.count)
}

/// Expected calibration error over `bins` equal-width confidence bins (15 by default).
public func expectedCalibrationError(probabilities: [[Double]], labels: [Int], bins: Int = 15) -> Double {
  ReliabilityDiagram(probabilities: probabilities, labels: labels, bins: bins).expectedCalibrationError
}

/// Accuracy against confidence in equal-width bins: the data of a reliability diagram, and the ECE.
public struct ReliabilityDiagram: Codable, Sendable, Equatable {
  /// One confidence bin, covering (lower, upper] (the first bin also holds a confidence of 0).
  public struct Bin: Codable, Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    /// Fraction of correct predictions in the bin; 0 when the bin is empty.
    public var accuracy: Double
    /// Mean confidence in the bin; 0 when the bin is empty.
    public var confidence: Double
    public var count: Int
  }

  public var bins: [Bin]

  /// Bins the confidences of `probabilities` and whether their predicted class matches `labels`.
  public init(probabilities: [[Double]], labels: [Int], bins: Int = 15) {
    checkClassification(probabilities, labels)
    self.init(
      confidences: probabilities.map { $0.max()! },
      correct: zip(probabilities, labels).map { predictedClass($0) == $1 }, bins: bins)
  }

  /// Bins given confidences in 0...1 and whether each prediction was correct.
  public init(confidences: [Double], correct: [Bool], bins: Int = 15) {
    precondition(bins > 0, "ReliabilityDiagram needs at least one bin")
    precondition(confidences.count == correct.count, "confidences and correct differ in length")
    // Edges exactly as np.linspace(0, 1, bins + 1) computes them, so a confidence that lies on
    // an edge (0.2, 0.4, 1.0, ...) falls in the same bin as in the Python references.
    let step = 1 / Double(bins)
    let edges = (0...bins).map { $0 == bins ? 1 : Double($0) * step }
    var counts = [Int](repeating: 0, count: bins)
    var hits = [Int](repeating: 0, count: bins)
    var confidenceSums = [Double](repeating: 0, count: bins)
    for (c, ok) in zip(confidences, correct) {
      precondition(c >= 0 && c <= 1, "confidence \(c) is outside 0...1")
      var b = min(bins - 1, max(0, Int((c * Double(bins)).rounded(.up)) - 1))
      while b > 0 && c <= edges[b] { b -= 1 }
      while b < bins - 1 && c > edges[b + 1] { b += 1 }
      counts[b] += 1
      hits[b] += ok ? 1 : 0
      confidenceSums[b] += c
    }
    self.bins = (0..<bins).map { b in
      let n = Double(max(counts[b], 1))
      return Bin(
        lower: edges[b], upper: edges[b + 1], accuracy: Double(hits[b]) / n, confidence: confidenceSums[b] / n,
        count: counts[b])
    }
  }

  /// Number of samples over all bins.
  public var sampleCount: Int { bins.reduce(0) { $0 + $1.count } }

  /// Σ_b (n_b / N) · |accuracy_b − confidence_b|.
  public var expectedCalibrationError: Double {
    let n = Double(sampleCount)
    guard n > 0 else { return 0 }
    return bins.reduce(0.0) { $0 + Double($1.count) / n * abs($1.accuracy - $1.confidence) }
  }
}

/// Accuracy, NLL, Brier score and ECE of one set of predictions, as one JSON object.
public struct ClassificationScores: Codable, Sendable, Equatable {
  public var accuracy: Double
  public var nll: Double
  public var brier: Double
  public var ece: Double

  /// Scores `probabilities` (one row per sample) against `labels`; the ECE uses 15 bins.
  public init(probabilities: [[Double]], labels: [Int]) {
    accuracy = Metrics.accuracy(probabilities: probabilities, labels: labels)
    nll = negativeLogLikelihood(probabilities: probabilities, labels: labels)
    brier = brierScore(probabilities: probabilities, labels: labels)
    ece = expectedCalibrationError(probabilities: probabilities, labels: labels)
  }
}

/// Index of the first largest probability.
public func predictedClass(_ row: [Double]) -> Int {
  row.indices.reduce(0) { row[$1] > row[$0] ? $1 : $0 }
}

func checkClassification(_ probabilities: [[Double]], _ labels: [Int]) {
  precondition(!labels.isEmpty, "no samples")
  precondition(
    probabilities.count == labels.count, "\(probabilities.count) probability rows for \(labels.count) labels")
  let classes = probabilities[0].count
  precondition(classes > 0 && probabilities.allSatisfy { $0.count == classes }, "probability rows differ in length")
  precondition(labels.allSatisfy { (0..<classes).contains($0) }, "a label is outside 0..<\(classes)")
}
