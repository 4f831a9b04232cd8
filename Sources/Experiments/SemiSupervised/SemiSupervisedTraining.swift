import Foundation
import ImageData
import Metrics
import NN
import SemiSupervised
import Torch
import Training

/// What `ssl train` was asked for: `run` trained for `epochs` epochs in all (an epoch is one
/// pass over the unlabelled set, the labelled set cycling beside it).
public struct SemiSupervisedTrainingParameters: Sendable {
  public var run: SemiSupervisedRun
  public var epochs: Int
  /// The run folder.
  public var out: String
  public var resume = false

  public init(run: SemiSupervisedRun, epochs: Int, out: String) {
    self.run = run
    self.epochs = epochs
    self.out = out
  }
}

/// Seen-class test scores of a model, and for DS3L its learned weights.
public struct SemiSupervisedScores: Codable, Sendable {
  public var testImages: Int
  public var accuracy: Double
  public var ece: Double
  public var nll: Double
  public var validationAccuracy: Double
  /// DS3L: mean weight of the unlabelled images from seen and from unseen classes.
  public var meanWeightSeen: Double?
  public var meanWeightUnseen: Double?
  /// When the unlabelled images include unseen classes: how well the classifier's maximum
  /// softmax probability tells seen-class unlabelled images (positive) from unseen-class ones,
  /// as AUROC — what a weight network fed the softmax could at least learn.
  public var unseenAUROCMaxSoftmax: Double?
  /// DS3L: the same AUROC of its learned weights (0.5: no separation).
  public var unseenAUROCWeight: Double?
}

/// What `ssl train` writes to metrics.json.
public struct SemiSupervisedTrainingMetrics: Codable, Sendable {
  public var run: SemiSupervisedRun
  public var epochs: Int
  public var steps: Int
  public var epochsThisRun: Int
  /// Training seconds over every run that built this checkpoint.
  public var seconds: Double
  public var finalLoss: Double?
  /// The model after the last epoch.
  public var final: SemiSupervisedScores
  /// The epoch whose validation accuracy was highest (the first, on ties) and its test
  /// accuracy: the number DS3L's protocol reports.
  public var bestValidationEpoch: Int
  public var bestValidationAccuracy: Double
  public var testAccuracyAtBestValidation: Double
  public var threads: Int
}

extension SemiSupervisedRun {
  /// The split's tensors as the models see them.
  struct PreparedSplit {
    let split: SemiSupervisedSplit
    let data: SemiSupervisedData
    let validation: Tensor
    let test: Tensor
  }

  func prepare(_ split: SemiSupervisedSplit) throws -> PreparedSplit {
    guard split.labelled.count >= labelledBatch, split.unlabelled.count >= unlabelledBatch else {
      throw ExperimentError(
        "\(split.labelled.count) labelled and \(split.unlabelled.count) unlabelled images make no batch of "
          + "\(labelledBatch) and \(unlabelledBatch): lower --labelled-batch / --unlabelled-batch or ask for more images")
    }
    let data = SemiSupervisedData(
      labelled: LabelledData(points: normalize(split.labelled.images), labels: split.labelled.labels, batchSize: labelledBatch),
      unlabelled: UnlabelledData(points: normalize(split.unlabelled.images), batchSize: unlabelledBatch))
    return PreparedSplit(split: split, data: data, validation: normalize(split.validation.images), test: normalize(split.test.images))
  }

  /// Class probabilities [N, classes] of `images` in evaluation mode, 1,000 at a time.
  static func probabilities(_ model: any SemiSupervisedLearner, _ images: Tensor) -> Tensor {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    return withNoGrad {
      Tensor.cat(stride(from: 0, to: images.size(0), by: 1_000).map { start in
        model(images[start..<Swift.min(start + 1_000, images.size(0))]).softmax(dim: 1)
      })
    }
  }

  static func accuracy(_ model: any SemiSupervisedLearner, _ images: Tensor, _ labels: Tensor) -> Double {
    guard images.size(0) > 0 else { return .nan }
    return (probabilities(model, images).argmax(dim: 1) .== labels).to(.float64).mean().item()
  }

  /// Scores `model` on the split's seen-class test and validation images (and DS3L's weights
  /// on its unlabelled images).
  func scores(_ model: any SemiSupervisedLearner, _ prepared: PreparedSplit) -> SemiSupervisedScores {
    let probabilities = Self.probabilities(model, prepared.test).to(.float64)
    let rows = (0..<probabilities.size(0)).map { probabilities[$0].toArray(Double.self) }
    let labels = prepared.split.test.labels.toArray(Int.self)
    var scores = SemiSupervisedScores(
      testImages: labels.count, accuracy: Metrics.accuracy(probabilities: rows, labels: labels),
      ece: expectedCalibrationError(probabilities: rows, labels: labels),
      nll: negativeLogLikelihood(probabilities: rows, labels: labels),
      validationAccuracy: Self.accuracy(model, prepared.validation, prepared.split.validation.labels))
    // Unseen-class unlabelled images carry the label −1 (their class is never trained on).
    let unlabelledClasses = prepared.split.unlabelled.labels
    let unseen = (unlabelledClasses .< 0).to(.float64).sum().item()
    let bothKinds = unseen > 0 && unseen < Double(unlabelledClasses.size(0))
    guard model is DS3L || bothKinds else { return scores }
    // One pass over the unlabelled images serves DS3L's weights and the max-softmax AUROC.
    let unlabelled = unlabelledProbabilities(model, prepared)
    if let weights = ds3lWeights(model, prepared, probabilities: unlabelled) {
      scores.meanWeightSeen = weights.seen.isEmpty ? nil : weights.seen.reduce(0, +) / Double(weights.seen.count)
      scores.meanWeightUnseen = weights.unseen.isEmpty ? nil : weights.unseen.reduce(0, +) / Double(weights.unseen.count)
      if bothKinds {
        scores.unseenAUROCWeight = auroc(inDistributionConfidence: weights.seen, outOfDistributionConfidence: weights.unseen)
      }
    }
    if bothKinds {
      let confidence = unlabelled.amax(1).to(.float64)
      scores.unseenAUROCMaxSoftmax = auroc(
        inDistributionConfidence: confidence.maskedSelect(unlabelledClasses .>= 0).toArray(Double.self),
        outOfDistributionConfidence: confidence.maskedSelect(unlabelledClasses .< 0).toArray(Double.self))
    }
    return scores
  }

  /// The classifier's class probabilities [U, seen classes] of the split's unlabelled images.
  func unlabelledProbabilities(_ model: any SemiSupervisedLearner, _ prepared: PreparedSplit) -> Tensor {
    Self.probabilities(model, normalize(prepared.split.unlabelled.images))
  }

  /// DS3L's learned weight of every unlabelled image of the split, split by whether its class
  /// is seen or unseen (nil for the other methods), from the classifier's `probabilities` of
  /// those images when they are at hand.
  func ds3lWeights(
    _ model: any SemiSupervisedLearner, _ prepared: PreparedSplit, probabilities: Tensor? = nil
  ) -> (seen: [Double], unseen: [Double])? {
    guard let ds3l = model as? DS3L else { return nil }
    let weights = ds3l.weights(probabilities: probabilities ?? unlabelledProbabilities(model, prepared)).to(.float64)
    let classes = prepared.split.unlabelled.labels
    return (weights.maskedSelect(classes .>= 0).toArray(Double.self), weights.maskedSelect(classes .< 0).toArray(Double.self))
  }
}

extension SemiSupervisedTrainingParameters {
  /// Trains the run into `out` (a checkpoint after every epoch, `curve.csv` with validation and
  /// test accuracy after each, metrics.json), continuing it with `resume`.
  public func train() throws -> (metrics: SemiSupervisedTrainingMetrics, folder: URL, files: [String]) {
    let folder = try runFolder(out, resume: resume, unit: "epoch")
    let prepared = try run.prepare(try run.split())
    let model = run.makeModel()
    var curve = try LearningCurveFiles(folder: folder, columns: ["validation_accuracy", "test_accuracy"], resume: resume)
    let loop = TrainingLoop(
      .epochs(epochs), seed: run.seed &+ 1_000, checkpoint: folder.appendingPathComponent(runCheckpointName),
      config: run.json, label: run.method.rawValue + (run.negativeSampling == nil ? "" : "+ns3l"))
    let title = "\(run.method.title) on \(run.dataset.rawValue): \(run.labels) labels, mismatch \(run.mismatch)"
    let summary = try train(model, loop: loop, data: prepared.data) { epochs, seconds in
      let validation = SemiSupervisedRun.accuracy(model, prepared.validation, prepared.split.validation.labels)
      let test = SemiSupervisedRun.accuracy(model, prepared.test, prepared.split.test.labels)
      try curve.record(.init(step: epochs, values: [validation, test], trainSeconds: seconds)) {
        $0.figure(title: title, xLabel: "epochs", yLabel: "accuracy", labels: ["validation", "test (seen classes)"])
      }
    }
    let final = run.scores(model, prepared)
    let points = curve.curve.points
    let best = points.enumerated().max { a, b in
      a.element.values[0] < b.element.values[0] || (a.element.values[0] == b.element.values[0] && a.offset > b.offset)
    }?.element
    let metrics = SemiSupervisedTrainingMetrics(
      run: run, epochs: summary.lastStep, steps: summary.lastStep * prepared.data.batchesPerEpoch,
      epochsThisRun: summary.lastStep - summary.firstStep, seconds: summary.totalSeconds, finalLoss: summary.finalLoss,
      final: final, bestValidationEpoch: best?.step ?? summary.lastStep,
      bestValidationAccuracy: best?.values[0] ?? final.validationAccuracy,
      testAccuracyAtBestValidation: best?.values[1] ?? final.accuracy, threads: Torch.threadCount)
    try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
    return (metrics, folder, [runCheckpointName, "metrics.json", "curve.csv", "curve.png"])
  }

  /// The loop over one method's model (generic, so the loop sees its concrete type).
  func train<Model: SemiSupervisedLearner>(
    _ model: Model, loop: TrainingLoop, data: SemiSupervisedData, afterEpoch: (Int, Double) throws -> Void
  ) throws -> TrainingSummary {
    try loop.run(model, optimizers: run.makeOptimizers(for: model), data: data, resume: resume, afterCheckpoint: afterEpoch)
  }
}
