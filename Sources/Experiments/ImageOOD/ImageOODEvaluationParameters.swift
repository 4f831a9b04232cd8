import Foundation
import ImageData
import Metrics
import Plots
import Torch
import Uncertainty

/// What `ood eval` was asked for: a trained run scored on the Fashion-MNIST test images and
/// against each OoD set, by the model's own certainty or a post-hoc detector.
public struct ImageOODEvaluationParameters: Sendable {
  /// The run folder (or its model.safetensors).
  public var checkpoint: String
  public var sets: [ImageOODSet] = ImageOODSet.allCases
  /// Certainty of softmax-family predictions (DUQ always uses max K_c).
  public var certainty: CertaintyMeasure = .maxProbability
  /// Score the first N test images (nil: all 10,000).
  public var testSubset: Int?
  public var detector: ImageOODEvaluationKind.Detector = .none
  /// Score this member of a deep ensemble alone.
  public var member: Int?
  /// Training images the Gram bounds are fitted on.
  public var gramTrainImages = Self.gramTrainImagesDefault

  /// Training images the Gram bounds are fitted on by default: all 60,000 would take seven to
  /// eleven minutes single-threaded (7-11 ms an image measured in a debug build), too long for
  /// an evaluation step; 10,000 (1,000 per class on average) cost a sixth of that.
  public static let gramTrainImagesDefault = 10_000

  public init(checkpoint: String) { self.checkpoint = checkpoint }

  /// This evaluation's kind, which names its files.
  public var kind: ImageOODEvaluationKind { ImageOODEvaluationKind(detector: detector, member: member) }
}

/// What `ood eval` wrote next to the checkpoint.
public struct ImageOODEvaluationOutcome {
  public var result: ImageOODEvaluation
  public var kind: ImageOODEvaluationKind
  public var folder: URL
  /// eval.json, reliability.png, certainty_histogram.png and the score file, with the kind's suffix.
  public var files: [String]
}

extension ImageOODEvaluationParameters {
  /// Scores the run and writes the scores, the two figures and the per-image scores (and the
  /// Gram statistics) next to its checkpoint.
  public func evaluate() throws -> ImageOODEvaluationOutcome {
    let saved = try ImageOODCheckpoint.load(checkpoint)
    let (run, info) = (saved.run, saved.info)
    let model = try member.map { try Self.member($0, of: saved.model, run: run) } ?? saved.model
    let test = try fashionMNISTTestSet(subset: testSubset)
    let folder = saved.url.deletingLastPathComponent()
    let gram = detector == .gram ? try fitGramDetector(model, run: run, test: test, folder: folder) : nil
    let evaluation = try evaluate(model, run: run, epochs: info.step, test: test, gram: gram)
    let files = [kind.metricsFile, kind.reliabilityFigure, kind.histogramFigure, kind.scoreFile]
    try writeJSON(evaluation.result, to: folder.appendingPathComponent(files[0]))
    try evaluation.reliability.write(to: folder.appendingPathComponent(files[1]))
    try evaluation.histogram.write(to: folder.appendingPathComponent(files[2]))
    try evaluation.scores.save(to: folder.appendingPathComponent(files[3]))
    return ImageOODEvaluationOutcome(result: evaluation.result, kind: kind, folder: folder, files: files)
  }

  /// Member `index` of a deep ensemble, in evaluation mode like the ensemble.
  static func member(
    _ index: Int, of model: any ImageBenchmarkClassifier, run: FashionMNISTRun
  ) throws -> any ImageBenchmarkClassifier {
    guard let ensemble = model as? DeepEnsemble else {
      throw ExperimentError("--member scores one network of a deep ensemble; this run is \(run.method.rawValue): leave --member out")
    }
    guard index < ensemble.members.count else {
      throw ExperimentError("--member \(index): this ensemble has members 0 to \(ensemble.members.count - 1)")
    }
    return ensemble.members[index]
  }

  /// The Gram detector on `model`, fitted on the run's training images and normalised on the
  /// validation part of `test` (saved next to the checkpoint), with the test images it scores.
  func fitGramDetector(
    _ model: any ImageBenchmarkClassifier, run: FashionMNISTRun, test: ImageDataset, folder: URL
  ) throws -> (detection: ImageGramDetection, scoredTest: Tensor) {
    guard let detection = ImageGramDetection(model: model) else {
      throw ExperimentError(
        "--detector gram reads a FashionCNN's activations with a softmax-like head: use a softmax, mcdropout or "
          + "belief-matching run (this one is \(run.method.rawValue)), or --detector none")
    }
    let train = try run.trainingSet()
    let trainIndices = Array(seededPermutation(train.count, seed: 60_001).prefix(gramTrainImages)).sorted()
    let split = ImageGramDetection.testSplit(count: test.count)
    let start = Date()
    detection.fit(
      trainingImages: train.images.indexSelect(dim: 0, index: Tensor(trainIndices)),
      validationImages: test.images.indexSelect(dim: 0, index: Tensor(split.validation)))
    printToStandardError(String(
      format: "[gram] bounds from %d training images, normalisers from %d test images: %.0f s",
      trainIndices.count, split.validation.count, Date().timeIntervalSince(start)))
    let statistics = folder.appendingPathComponent(kind.gramStatisticsFile)
    try detection.detector.statistics?.save(to: statistics)
    return (detection, test.images.indexSelect(dim: 0, index: Tensor(split.scored)))
  }

  /// Scores `model` on `test` and each OoD set, with the two figures; with `gram`, OoD
  /// certainty is minus the Gram deviation, and in-distribution inputs are its scored test images.
  func evaluate(
    _ model: any ImageBenchmarkClassifier, run: FashionMNISTRun, epochs: Int, test: ImageDataset,
    gram: (detection: ImageGramDetection, scoredTest: Tensor)? = nil
  ) throws -> (result: ImageOODEvaluation, scores: ImageOODScoreFile, reliability: Figure, histogram: Figure) {
    let certaintyName = gram != nil ? "minus Gram deviation" : run.method == .duq ? "max K_c" : certainty.rawValue
    let inDistribution = ImageScores(model: model, images: test.images, measure: certainty)
    func detectionCertainty(_ images: Tensor) -> [Double] {
      gram?.detection.certainty(images) ?? ImageScores(model: model, images: images, measure: certainty).certainty
    }
    let inDistributionCertainty = gram.map { detectionCertainty($0.scoredTest) } ?? inDistribution.certainty
    let outOfDistribution = try sets.map { set in
      (set: set, certainty: detectionCertainty(try set.images(test: test)))
    }
    let title = kind.title(run.method)
    let labels = test.labels.toArray(Int.self)
    let scores = ImageOODScoreFile(
      inDistribution: inDistribution, labels: labels, inDistributionCertainty: inDistributionCertainty,
      outOfDistribution: outOfDistribution)
    let result = ImageOODEvaluation(
      method: run.method, certainty: certaintyName, epochs: epochs, inDistribution: inDistribution,
      labels: labels, outOfDistribution: outOfDistribution,
      inDistributionCertainty: inDistributionCertainty)
    let reliability = reliabilityFigure(scores.reliability, title: "\(title) on Fashion-MNIST")
    let histogram = scoreHistogramFigure(
      inDistribution: inDistributionCertainty, outOfDistribution: outOfDistribution.map { ($0.set.rawValue, $0.certainty) },
      inDistributionLabel: "fashion-mnist", scoreName: "certainty (\(certaintyName))",
      title: "\(title): certainty in and out of distribution")
    return (result, scores, reliability, histogram)
  }
}
