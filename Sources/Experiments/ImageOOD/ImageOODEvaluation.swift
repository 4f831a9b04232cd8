import Foundation
import Metrics

/// The benchmark's result for one trained model: calibration on the in-distribution test set
/// and OoD-detection scores against each OoD set, as one JSON object whose OoD sets are
/// top-level keys (`{"accuracy": …, "mnist": {"auroc": …}, …}`).
public struct ImageOODEvaluation: Encodable {
  public var method: ImageOODMethod
  /// What the certainty is: "max-probability", "entropy" or "max K_c".
  public var certainty: String
  /// Epochs the model was trained for.
  public var epochs: Int
  public var testImages: Int
  public var classification: ClassificationScores
  /// Scores per OoD set, in the order asked for.
  public var outOfDistribution: [(set: ImageOODSet, scores: OODScores)]

  /// Scores in-distribution predictions against their labels and certainties against each OoD
  /// set's; `inDistributionCertainty` replaces `inDistribution.certainty` in the OoD scores when
  /// a post-hoc detector scores (part of) the test set itself.
  public init(
    method: ImageOODMethod, certainty: String, epochs: Int, inDistribution: ImageScores, labels: [Int],
    outOfDistribution: [(set: ImageOODSet, certainty: [Double])], inDistributionCertainty: [Double]? = nil
  ) {
    let detectionCertainty = inDistributionCertainty ?? inDistribution.certainty
    self.method = method
    self.certainty = certainty
    self.epochs = epochs
    testImages = labels.count
    classification = ClassificationScores(probabilities: inDistribution.probabilities, labels: labels)
    self.outOfDistribution = outOfDistribution.map {
      ($0.set, OODScores(inDistributionConfidence: detectionCertainty, outOfDistributionConfidence: $0.certainty))
    }
  }

  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    try container.encode(method, forKey: Key("method"))
    try container.encode(certainty, forKey: Key("certainty"))
    try container.encode(epochs, forKey: Key("epochs"))
    try container.encode(testImages, forKey: Key("test_images"))
    try container.encode(classification.accuracy, forKey: Key("accuracy"))
    try container.encode(classification.nll, forKey: Key("nll"))
    try container.encode(classification.brier, forKey: Key("brier"))
    try container.encode(classification.ece, forKey: Key("ece"))
    for (set, scores) in outOfDistribution { try container.encode(scores, forKey: Key(set.rawValue)) }
  }

  /// The evaluation as one line of JSON with sorted keys.
  public var json: String { jsonLine(self) }
}
