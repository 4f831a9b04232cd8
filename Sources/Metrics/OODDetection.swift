// Out-of-distribution detection from a scalar score per sample. Convention: a HIGHER score means
// MORE in-distribution (a confidence, such as the maximum softmax probability); the labels of
// every function say so. Pass an uncertainty (entropy, variance) negated, or use
// `OODScores(inDistributionUncertainty:outOfDistributionUncertainty:)`.
// In-distribution samples are the positive class except in AUPR-out.

/// The ROC and precision-recall operating points of "score ≥ t → positive", one per distinct score.
struct ThresholdSweep {
  /// Cumulative positives and negatives accepted, starting from (0, 0) for a threshold above
  /// every score; tied scores enter together, as in scikit-learn's `_binary_clf_curve`.
  var truePositives: [Int] = [0]
  var falsePositives: [Int] = [0]
  let positiveCount: Int
  let negativeCount: Int

  init(positives: [Double], negatives: [Double]) {
    precondition(!positives.isEmpty && !negatives.isEmpty, "OoD metrics need both in- and out-of-distribution scores")
    precondition(!positives.contains(where: \.isNaN) && !negatives.contains(where: \.isNaN), "OoD scores contain NaN")
    positiveCount = positives.count
    negativeCount = negatives.count
    let ranked = (positives.map { ($0, true) } + negatives.map { ($0, false) }).sorted { $0.0 > $1.0 }
    var tp = 0, fp = 0
    for (i, (score, positive)) in ranked.enumerated() {
      if positive { tp += 1 } else { fp += 1 }
      if i == ranked.count - 1 || ranked[i + 1].0 != score {
        truePositives.append(tp)
        falsePositives.append(fp)
      }
    }
  }

  var truePositiveRates: [Double] { truePositives.map { Double($0) / Double(positiveCount) } }
  var falsePositiveRates: [Double] { falsePositives.map { Double($0) / Double(negativeCount) } }

  /// Trapezoidal area under the ROC curve (ties become diagonal segments, worth half).
  var areaUnderROC: Double {
    let tpr = truePositiveRates, fpr = falsePositiveRates
    var area = 0.0
    for k in 1..<tpr.count { area += (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2 }
    return area
  }

  /// Σ_k (R_k − R_{k−1}) P_k: scikit-learn's `average_precision_score` (no interpolation).
  var averagePrecision: Double {
    (1..<truePositives.count).reduce(0.0) { sum, k in
      let recallStep = Double(truePositives[k] - truePositives[k - 1]) / Double(positiveCount)
      return sum + recallStep * Double(truePositives[k]) / Double(truePositives[k] + falsePositives[k])
    }
  }

  /// The smallest false-positive rate among thresholds that keep at least `recall` of the positives.
  func falsePositiveRate(atTruePositiveRate recall: Double) -> Double {
    // Both rates only grow as the threshold falls, so the first qualifying point is the smallest.
    let tpr = truePositiveRates, fpr = falsePositiveRates
    return fpr[tpr.firstIndex { $0 >= recall }!]
  }

  /// max over thresholds of ½·TPR + ½·TNR, the ODIN detection accuracy.
  var detectionAccuracy: Double {
    zip(truePositiveRates, falsePositiveRates).map { 0.5 * $0 + 0.5 * (1 - $1) }.max()!
  }
}

/// Area under the ROC curve with in-distribution as positive; higher confidence = more in-distribution.
public func auroc(inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]) -> Double {
  ThresholdSweep(positives: inDistributionConfidence, negatives: outOfDistributionConfidence).areaUnderROC
}

/// Average precision with in-distribution as positive; higher confidence = more in-distribution.
public func auprIn(inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]) -> Double {
  ThresholdSweep(positives: inDistributionConfidence, negatives: outOfDistributionConfidence).averagePrecision
}

/// Average precision with out-of-distribution as positive, ranked by negated confidence.
public func auprOut(inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]) -> Double {
  ThresholdSweep(positives: outOfDistributionConfidence.map { -$0 }, negatives: inDistributionConfidence.map { -$0 })
    .averagePrecision
}

/// Fraction of OoD samples accepted at the highest threshold that keeps 95% of in-distribution samples.
public func fprAt95TPR(inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]) -> Double {
  ThresholdSweep(positives: inDistributionConfidence, negatives: outOfDistributionConfidence)
    .falsePositiveRate(atTruePositiveRate: 0.95)
}

/// 1 − min_δ {½ P_in(s ≤ δ) + ½ P_out(s > δ)}; higher confidence = more in-distribution.
public func detectionAccuracy(inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]) -> Double {
  ThresholdSweep(positives: inDistributionConfidence, negatives: outOfDistributionConfidence).detectionAccuracy
}

/// The ROC curve with in-distribution as positive: (false-positive rate, true-positive rate) at
/// every distinct threshold, from (0, 0) to (1, 1), and the area under it (`auroc`'s value) from
/// the same sweep; higher confidence = more in-distribution.
public func rocCurve(
  inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]
) -> (falsePositiveRates: [Double], truePositiveRates: [Double], area: Double) {
  let sweep = ThresholdSweep(positives: inDistributionConfidence, negatives: outOfDistributionConfidence)
  return (sweep.falsePositiveRates, sweep.truePositiveRates, sweep.areaUnderROC)
}

/// The standard OoD-detection scores of one in-distribution set against one OoD set, as one JSON object.
public struct OODScores: Codable, Sendable, Equatable {
  /// Area under the ROC curve, in-distribution positive.
  public var auroc: Double
  /// Average precision, in-distribution positive.
  public var auprIn: Double
  /// Average precision, out-of-distribution positive.
  public var auprOut: Double
  /// False-positive rate (OoD accepted) at 95% true-positive rate (in-distribution kept).
  public var fpr95: Double
  /// True-negative rate at 95% true-positive rate, 1 − fpr95.
  public var tnr95: Double
  /// Best balanced accuracy of a single threshold.
  public var detectionAccuracy: Double

  enum CodingKeys: String, CodingKey {
    case auroc, fpr95, tnr95
    case auprIn = "aupr_in"
    case auprOut = "aupr_out"
    case detectionAccuracy = "detection_accuracy"
  }

  /// Scores from confidences: a HIGHER value means MORE in-distribution (e.g. max softmax probability).
  public init(inDistributionConfidence: [Double], outOfDistributionConfidence: [Double]) {
    let sweep = ThresholdSweep(positives: inDistributionConfidence, negatives: outOfDistributionConfidence)
    auroc = sweep.areaUnderROC
    auprIn = sweep.averagePrecision
    auprOut = ThresholdSweep(
      positives: outOfDistributionConfidence.map { -$0 }, negatives: inDistributionConfidence.map { -$0 }
    ).averagePrecision
    fpr95 = sweep.falsePositiveRate(atTruePositiveRate: 0.95)
    tnr95 = 1 - fpr95
    detectionAccuracy = sweep.detectionAccuracy
  }

  /// Scores from uncertainties: a HIGHER value means MORE out-of-distribution (e.g. entropy).
  public init(inDistributionUncertainty: [Double], outOfDistributionUncertainty: [Double]) {
    self.init(
      inDistributionConfidence: inDistributionUncertainty.map { -$0 },
      outOfDistributionConfidence: outOfDistributionUncertainty.map { -$0 })
  }
}
