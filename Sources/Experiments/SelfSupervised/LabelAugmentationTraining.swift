import Foundation
import ImageData
import Metrics
import NN
import SelfSupervised
import Torch
import Training

/// What `selfsup train` was asked for: `run` trained for `epochs` epochs in all.
public struct LabelAugmentationTrainingParameters: Sendable {
  public var run: LabelAugmentationRun
  public var epochs: Int
  /// Epochs between checkpoints (and points of the learning curve).
  public var checkpointEvery: Int
  /// The run folder.
  public var out: String
  public var resume = false
  /// Test images the learning curve scores at each checkpoint (the first ones).
  public var curveImages = 2_000
  /// Score only the first this many test images in metrics.json (nil: all 10,000).
  public var testSubset: Int?

  public init(run: LabelAugmentationRun, epochs: Int, checkpointEvery: Int = 1, out: String) {
    self.run = run
    self.epochs = epochs
    self.checkpointEvery = checkpointEvery
    self.out = out
  }
}

/// Test accuracy of one inference.
public struct LabelAugmentationScore: Codable, Sendable {
  public var inference: LabelAugmentationInference
  public var accuracy: Double
  public var ece: Double
  public var nll: Double
}

/// What `selfsup train` writes to metrics.json and `selfsup eval` prints.
public struct LabelAugmentationMetrics: Codable, Sendable {
  public var run: LabelAugmentationRun
  public var epochs: Int
  public var steps: Int
  public var trainImages: Int
  public var testImages: Int
  /// Training seconds over every run that built this checkpoint.
  public var seconds: Double
  public var finalLoss: Double?
  /// Every inference the method answers, on the test images.
  public var scores: [LabelAugmentationScore]
  public var threads: Int
}

extension LabelAugmentationRun {
  /// Accuracy, ECE and NLL of `model` on `test` under each of `inferences`.
  func scores(
    _ model: LabelAugmentationModel, test: ImageDataset, inferences: [LabelAugmentationInference]
  ) -> [LabelAugmentationScore] {
    let labels = test.labels.toArray(Int.self)
    return inferences.map { inference in
      let probabilities = model.logits(test.images, inference: inference).softmax(dim: 1).to(.float64)
      let rows = (0..<probabilities.size(0)).map { probabilities[$0].toArray(Double.self) }
      return LabelAugmentationScore(
        inference: inference, accuracy: Metrics.accuracy(probabilities: rows, labels: labels),
        ece: expectedCalibrationError(probabilities: rows, labels: labels),
        nll: negativeLogLikelihood(probabilities: rows, labels: labels))
    }
  }
}

extension LabelAugmentationTrainingParameters {
  /// Trains the run into `out` (a checkpoint every `checkpointEvery` epochs with a point of
  /// `curve.csv`: test accuracy of each inference on the first `curveImages` test images; then
  /// metrics.json on all of them), continuing it with `resume`.
  public func train() throws -> (metrics: LabelAugmentationMetrics, folder: URL, files: [String]) {
    let folder = try runFolder(out, resume: resume, unit: "epoch")
    let (train, fullTest) = try run.data()
    let test = fullTest.first(testSubset)
    let model = run.makeModel()
    let inferences = run.method.inferences
    var curve = try LearningCurveFiles(folder: folder, columns: inferences.map { "test_accuracy_\($0.rawValue)" }, resume: resume)
    let curveCount = Swift.min(curveImages, test.count)
    let curveImages = test.images[0..<curveCount], curveLabels = test.labels[0..<curveCount]
    let loop = TrainingLoop(
      .epochs(epochs), seed: run.seed &+ 1_000, checkpoint: folder.appendingPathComponent(runCheckpointName),
      checkpointEvery: checkpointEvery, config: run.json, label: run.method.rawValue)
    let data = TransformedCopies(
      LabelledData(points: train.images, labels: train.labels, batchSize: run.batchSize), transforms: Rotations.quarterTurns)
    let title = "\(run.method.rawValue) on Fashion-MNIST (\(run.dataLabel)), seed \(run.seed)"
    let afterCheckpoint = { (epochs: Int, seconds: Double) throws in
      let values = inferences.map { model.accuracy(curveImages, curveLabels, inference: $0) }
      try curve.record(.init(step: epochs, values: values, trainSeconds: seconds)) {
        $0.figure(title: title, xLabel: "epochs", yLabel: "test accuracy", labels: inferences.map(\.rawValue))
      }
    }
    let optimizers = Optimizers(Adam(model.module.parameters(), learningRate: run.learningRate))
    let summary: TrainingSummary
    switch model {
    case .baseline(let objective):
      summary = try loop.run(objective, optimizers: optimizers, data: data, resume: resume, afterCheckpoint: afterCheckpoint)
    case .sla(let objective):
      summary = try loop.run(objective, optimizers: optimizers, data: data, resume: resume, afterCheckpoint: afterCheckpoint)
    }
    let metrics = LabelAugmentationMetrics(
      run: run, epochs: summary.lastStep, steps: summary.lastStep * data.batchesPerEpoch, trainImages: train.count,
      testImages: test.count, seconds: summary.totalSeconds, finalLoss: summary.finalLoss,
      scores: run.scores(model, test: test, inferences: inferences), threads: Torch.threadCount)
    try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
    return (metrics, folder, [runCheckpointName, "metrics.json", "curve.csv", "curve.png"])
  }
}

extension ImageDataset {
  /// The first `count` images (all of them when nil or larger).
  func first(_ count: Int?) -> ImageDataset {
    guard let count, count < self.count else { return self }
    return subset(Array(0..<count))
  }
}

/// `selfsup eval`: a trained run rescored on the 10,000 Fashion-MNIST test images.
public struct LabelAugmentationEvaluation {
  public let run: LabelAugmentationRun
  public let scores: [LabelAugmentationScore]

  /// Loads the run at `checkpoint` (its folder or model.safetensors) and scores `inference`
  /// (nil: every inference its method answers).
  public init(checkpoint path: String, inference: LabelAugmentationInference? = nil, testSubset: Int? = nil) throws {
    let (url, info) = try savedCheckpoint(at: path, writtenBy: "selfsup train")
    guard let config = info.config, let run = LabelAugmentationRun.decode(config) else {
      throw ExperimentError("\(url.path) is not a `selfsup train` checkpoint (its metadata has no SLA-comparison configuration)")
    }
    if let inference, !run.method.inferences.contains(inference) {
      throw ExperimentError(
        "a \(run.method.rawValue) run answers --inference \(run.method.inferences.map(\.rawValue).joined(separator: " or ")), "
          + "not \(inference.rawValue) (SI and AG need an SLA run, SD an sla-sd one)")
    }
    let model = run.makeModel()
    try Checkpoint.load(from: url, into: model.module)
    self.run = run
    scores = run.scores(model, test: try run.data().test.first(testSubset), inferences: inference.map { [$0] } ?? run.method.inferences)
  }
}
