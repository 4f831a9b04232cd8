import Foundation

/// An eval.json of `ood eval` as `ood report` reads it back. Every score is optional, so an
/// evaluation written before a score existed (TNR95 and detection accuracy came with SDE-Net)
/// still fills the cells it has.
public struct ImageOODEvaluationRecord: Decodable, Sendable {
  public var accuracy: Double?
  public var ece: Double?
  public var nll: Double?
  /// Detection scores by OoD set, for the sets the evaluation was asked for.
  public var outOfDistribution: [ImageOODSet: Detection]

  /// One OoD set's scores, keyed as `OODScores` encodes them.
  public struct Detection: Decodable, Sendable {
    public var auroc: Double?
    public var fpr95: Double?
    public var tnr95: Double?
    public var detectionAccuracy: Double?
    public var auprIn: Double?
    public var auprOut: Double?

    enum CodingKeys: String, CodingKey {
      case auroc, fpr95, tnr95
      case auprIn = "aupr_in"
      case auprOut = "aupr_out"
      case detectionAccuracy = "detection_accuracy"
    }
  }

  enum CodingKeys: String, CodingKey {
    case accuracy, ece, nll
  }

  struct SetKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    accuracy = try? container.decodeIfPresent(Double.self, forKey: .accuracy)
    ece = try? container.decodeIfPresent(Double.self, forKey: .ece)
    nll = try? container.decodeIfPresent(Double.self, forKey: .nll)
    let sets = try decoder.container(keyedBy: SetKey.self)
    outOfDistribution = [:]
    for set in ImageOODSet.allCases {
      if let scores = try? sets.decodeIfPresent(Detection.self, forKey: SetKey(stringValue: set.rawValue)) {
        outOfDistribution[set] = scores
      }
    }
  }
}
