import Foundation
import Metrics
import Torch
import Training
import Uncertainty

/// What `ood train` was asked for: one method of the Fashion-MNIST → MNIST benchmark trained
/// with `run`'s settings for `epochs` epochs in all.
public struct ImageOODTrainingParameters: Sendable {
  public var run: FashionMNISTRun
  public var epochs: Int
  /// The run folder.
  public var out: String
  public var resume = false
  /// Score test accuracy on the first N test images (nil: all 10,000).
  public var testSubset: Int?
  /// Test images and MNIST digits scored after every epoch into curve.csv and curve.png (0: off).
  public var curveImages = 0

  public init(run: FashionMNISTRun, epochs: Int, out: String) {
    self.run = run
    self.epochs = epochs
    self.out = out
  }
}

/// What `ood train` writes to metrics.json.
public struct ImageOODTrainingMetrics: Codable, Sendable {
  public var method: ImageOODMethod
  public var epochs: Int
  public var epochsThisRun: Int
  /// Training seconds over every run that built this checkpoint.
  public var seconds: Double
  public var secondsThisRun: Double
  /// nil when this run resumed an already finished one.
  public var finalLoss: Double?
  public var trainImages: Int
  public var testImages: Int
  public var testAccuracy: Double
  public var parameters: Int
  public var threads: Int
  public var run: FashionMNISTRun
}

extension ImageOODTrainingParameters {
  /// Trains the run into `out` (a checkpoint after every epoch, metrics.json, the curve if
  /// asked for), continuing it with `resume`; returns the metrics and the files written.
  public func train() throws -> (metrics: ImageOODTrainingMetrics, folder: URL, files: [String]) {
    let folder = try runFolder(out, resume: resume, unit: "epoch")
    let train = try run.trainingSet()
    let test = try fashionMNISTTestSet(subset: testSubset)
    let model = run.makeModel()
    let curve = curveImages > 0
      ? try EpochCurveRecorder(folder: folder, resume: resume, run: run, test: test, images: curveImages) : nil
    let summary = try run.train(
      model, on: train, epochs: epochs, checkpoint: folder.appendingPathComponent(runCheckpointName),
      resume: resume, afterEpoch: { epochs, seconds in try curve?.record(model, epochs: epochs, trainSeconds: seconds) })
    run.prepareForScoring(model)
    let accuracy = Metrics.accuracy(
      probabilities: ImageScores(model: model, images: test.images, measure: .maxProbability).probabilities,
      labels: test.labels.toArray(Int.self))
    let metrics = ImageOODTrainingMetrics(
      method: run.method, epochs: summary.lastStep, epochsThisRun: summary.lastStep - summary.firstStep,
      seconds: summary.totalSeconds, secondsThisRun: summary.seconds, finalLoss: summary.finalLoss,
      trainImages: train.count, testImages: test.count, testAccuracy: accuracy, parameters: model.parameterCount,
      threads: Torch.threadCount, run: run)
    try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
    return (metrics, folder, [runCheckpointName, "metrics.json"] + (curve == nil ? [] : ["curve.csv", "curve.png"]))
  }
}
