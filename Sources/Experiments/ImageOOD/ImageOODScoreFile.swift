import Foundation
import Metrics
import Plots
import Torch
import Uncertainty

/// The per-image numbers behind one `ood eval`, saved next to its eval.json so that runs can be
/// compared as curves (reliability, ROC) without scoring them again.
public struct ImageOODScoreFile: Equatable {
  /// Max predictive probability of each in-distribution test image.
  public var confidence: [Double]
  /// Whether each test image's most probable class was its label.
  public var correct: [Bool]
  /// The detection certainty of the in-distribution images the OoD scores rank: every test
  /// image, or the part a post-hoc detector did not use for its normalisation.
  public var inDistributionCertainty: [Double]
  /// The detection certainty of each OoD set's images.
  public var outOfDistribution: [ImageOODSet: [Double]]

  public init(
    confidence: [Double], correct: [Bool], inDistributionCertainty: [Double],
    outOfDistribution: [ImageOODSet: [Double]]
  ) {
    precondition(confidence.count == correct.count, "\(confidence.count) confidences for \(correct.count) predictions")
    self.confidence = confidence
    self.correct = correct
    self.inDistributionCertainty = inDistributionCertainty
    self.outOfDistribution = outOfDistribution
  }

  /// The numbers of `evaluation`'s inputs: in-distribution predictions against `labels`, and the
  /// detection certainties it ranked.
  public init(
    inDistribution: ImageScores, labels: [Int], inDistributionCertainty: [Double],
    outOfDistribution: [(set: ImageOODSet, certainty: [Double])]
  ) {
    self.init(
      confidence: inDistribution.probabilities.map { $0.max()! },
      correct: zip(inDistribution.probabilities, labels).map { predictedClass($0) == $1 },
      inDistributionCertainty: inDistributionCertainty,
      outOfDistribution: Dictionary(uniqueKeysWithValues: outOfDistribution.map { ($0.set, $0.certainty) }))
  }

  /// Calibration of the in-distribution predictions (15 bins, as the ECE in eval.json).
  public var reliability: ReliabilityDiagram { ReliabilityDiagram(confidences: confidence, correct: correct) }

  /// Writes the numbers as float64 tensors `test.confidence`, `test.correct` (0 or 1),
  /// `test.certainty` and `<set>.certainty`, atomically.
  public func save(to url: URL) throws {
    var tensors: [(name: String, tensor: Tensor)] = [
      ("test.confidence", Tensor(confidence, dtype: .float64)),
      ("test.correct", Tensor(correct.map { $0 ? 1.0 : 0.0 }, dtype: .float64)),
      ("test.certainty", Tensor(inDistributionCertainty, dtype: .float64)),
    ]
    for set in ImageOODSet.allCases {
      if let certainty = outOfDistribution[set] { tensors.append(("\(set.rawValue).certainty", Tensor(certainty, dtype: .float64))) }
    }
    try SafeTensors.write(tensors, metadata: ["content": "ood-eval-scores"], to: url)
  }

  /// Reads a file written by `save(to:)`; a file of another kind or with mismatched lengths is
  /// reported with its path.
  public static func load(from url: URL) throws -> ImageOODScoreFile {
    let file = try SafeTensors.read(from: url)
    func values(_ name: String) throws -> [Double] {
      guard let tensor = file[name] else {
        throw TorchError("\(url.path): no tensor '\(name)'; it is not a score file of `penumbra ood eval`")
      }
      return tensor.to(.float64).flatten().toArray(Double.self)
    }
    let confidence = try values("test.confidence")
    let correct = try values("test.correct")
    guard correct.count == confidence.count else {
      throw TorchError("\(url.path): \(confidence.count) confidences for \(correct.count) predictions")
    }
    var outOfDistribution: [ImageOODSet: [Double]] = [:]
    for set in ImageOODSet.allCases where file["\(set.rawValue).certainty"] != nil {
      outOfDistribution[set] = try values("\(set.rawValue).certainty")
    }
    return ImageOODScoreFile(
      confidence: confidence, correct: correct.map { $0 != 0 }, inDistributionCertainty: try values("test.certainty"),
      outOfDistribution: outOfDistribution)
  }
}

/// Runs side by side: reliability curves of each classifier on the in-distribution test set
/// (left) and ROC curves of each detector against `oodSet` (right), one colour per label.
/// `calibration` lists the runs whose classifiers to draw (a post-hoc detector on a classifier
/// already listed adds nothing there); `detection` the runs whose detectors to draw. Reliability
/// points are the 15 bins of the ECE that hold at least `minimumBinCount` images.
public func imageOODComparisonFigure(
  calibration: [(label: String, scores: ImageOODScoreFile)], detection: [(label: String, scores: ImageOODScoreFile)],
  oodSet: ImageOODSet, minimumBinCount: Int = 10
) -> Figure {
  let figure = Figure(width: 1400, height: 640)
  let panels = figure.panels(rows: 1, columns: 2)[0]
  let labels = (detection + calibration).map(\.label).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
  func color(_ label: String) -> Color { .palette(labels.firstIndex(of: label)!) }

  // Both panels are unit squares around a dashed diagonal: perfect calibration, chance detection.
  func unitSquare(_ axes: Axes, diagonal: String, xLabel: String, yLabel: String, title: String, legend: LegendPosition) {
    axes.line(x: [0, 1], y: [0, 1], color: .darkGray, width: 1.5, style: .dashed, label: diagonal)
    axes.xLimits = 0...1
    axes.yLimits = 0...1
    axes.xLabel = xLabel
    axes.yLabel = yLabel
    axes.title = title
    axes.legend = legend
  }

  let reliability = panels[0]
  unitSquare(
    reliability, diagonal: "perfect calibration", xLabel: "confidence (mean of the bin)", yLabel: "accuracy",
    title: "Calibration on Fashion-MNIST test (bins of at least \(minimumBinCount) images)", legend: .upperLeft)
  for (label, scores) in calibration {
    let diagram = scores.reliability
    // A bin of a handful of images is noise: its accuracy jumps between 0 and 1.
    let filled = diagram.bins.filter { $0.count >= minimumBinCount }
    let ece = String(format: "%.3f", diagram.expectedCalibrationError)
    reliability.line(
      x: filled.map(\.confidence), y: filled.map(\.accuracy), color: color(label), label: "\(label) (ECE \(ece))")
    reliability.scatter(x: filled.map(\.confidence), y: filled.map(\.accuracy), color: color(label), size: 7)
  }

  let roc = panels[1]
  unitSquare(
    roc, diagonal: "chance", xLabel: "\(oodSet.title) images accepted (false-positive rate)",
    yLabel: "Fashion-MNIST test images kept (true-positive rate)",
    title: "Detecting \(oodSet.title) images by each method's certainty", legend: .lowerRight)
  for (label, scores) in detection {
    guard let outOfDistribution = scores.outOfDistribution[oodSet] else { continue }
    let curve = rocCurve(inDistributionConfidence: scores.inDistributionCertainty, outOfDistributionConfidence: outOfDistribution)
    let area = String(format: "%.3f", curve.area)
    roc.line(x: curve.falsePositiveRates, y: curve.truePositiveRates, color: color(label), label: "\(label) (AUROC \(area))")
  }
  return figure
}
