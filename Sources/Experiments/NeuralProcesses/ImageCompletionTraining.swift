import Foundation
import ImageData
import NN
import NeuralProcesses
import Torch
import Training

/// Training contexts: a per-image count between 3% and 30% of the pixels.
public let imageTrainingContexts = ContextSelection.randomFraction(0.03...0.3)

/// Intensities are centred (y = intensity − 0.5) for the model; log-likelihoods do not change.
public let imageScale = IntensityScale.centred

/// What `np train --data` writes to metrics.json.
public struct ImageCompletionTrainingMetrics: TrainingRunMetrics {
  public var model: String
  public var data: String
  public var steps: Int
  public var stepsThisRun: Int
  /// Training seconds over every run that built the checkpoint.
  public var seconds: Double
  /// As in the curves' `CurveTrainingMetrics`.
  public var stepsPerSecond: Double?
  public var finalLoss: Double?
  public var threads: Int
  public var parameters: Int
  public var testImages: Int
  public var completion: [CompletionRow]
  public var superResolution: SuperResolutionScores

  public struct CompletionRow: Codable, Sendable {
    public var context: ContextPixels
    public var scores: ImageCompletionScores
  }
}

extension NeuralProcessTrainingParameters {
  /// `np train --data`: image completion (the ANP paper's 2-D regression) instead of curves.
  func trainOnImages(_ source: ImageSource, folder: URL) throws -> NeuralProcessTrainingResult {
    let train = try source.load(.train)
    let test = try source.load(.test)
    let run = NeuralProcessRun(
      model: NeuralProcessConfiguration(
        kind: model, attention: attention, xDimension: 2, yDimension: 1, hiddenSize: hidden, latentSize: hidden,
        selfAttentionLayers: selfAttentionLayers, minimumStd: minimumStd),
      curveProtocol: .deepmind, kernel: .eq, randomHyperparameters: false, batchSize: batchSize, learningRate: learningRate,
      learningRateDecay: learningRateDecay == 1 ? nil : learningRateDecay, images: source)
    Torch.manualSeed(seed)
    let network = NeuralProcess(run.model)
    let optimizers = makeOptimizers(for: network)
    let name = run.model.name
    let loop = TrainingLoop(
      .steps(steps), seed: seed, checkpoint: folder.appendingPathComponent(runCheckpointName),
      checkpointEvery: checkpointEvery, config: run.json, label: "\(name) on \(source.rawValue)")
    let summary = try loop.run(network, optimizers: optimizers, resume: resume) { _ in
      let tasks = PixelTaskBatch(images: train.randomBatch(size: batchSize).images, context: imageTrainingContexts, scale: imageScale)
      return NeuralProcessTasks(context: tasks.context, target: tasks.target, contextIndices: tasks.contextIndices)
    }
    let images = test.images[0..<Swift.min(evaluationTasks, test.count)]
    let completion = ContextPixels.figureRows.map { pixels in
      Torch.manualSeed(2_024)
      return ImageCompletionTrainingMetrics.CompletionRow(
        context: pixels, scores: network.evaluateCompletion(images: images, selection: pixels.selection, scale: imageScale, samples: samples))
    }
    let superResolution = network.evaluateSuperResolution(images: images, scale: imageScale, samples: samples)
    let metrics = ImageCompletionTrainingMetrics(
      model: name, data: source.rawValue, steps: steps, stepsThisRun: summary.lastStep - summary.firstStep,
      seconds: summary.totalSeconds, stepsPerSecond: summary.stepsPerSecond, finalLoss: summary.finalLoss, threads: Torch.threadCount,
      parameters: network.parameterCount, testImages: images.size(0), completion: completion, superResolution: superResolution)
    try writeRunMetrics(metrics, to: folder.appendingPathComponent("metrics.json"))
    try writeImageFigures(network, test: test, title: "\(name.uppercased()) on \(source.rawValue), \(steps) steps", folder: folder)
    return .images(metrics, folder: folder, files: [runCheckpointName, "metrics.json", "completion.png", "superres.png"])
  }
}

/// completion.png and superres.png for the first test images.
func writeImageFigures(_ network: NeuralProcess, test: ImageDataset, title: String, folder: URL) throws {
  Torch.manualSeed(7)
  let rows = ContextPixels.figureRows.map { (name: $0.description, selection: $0.selection) }
  let completion = network.completionFigure(images: test.images[0..<2], selections: rows, scale: imageScale, title: title)
  try completion.write(to: folder.appendingPathComponent("completion.png"))
  let superResolution = network.superResolutionFigure(images: test.images[0..<4], scale: imageScale, title: title)
  try superResolution.write(to: folder.appendingPathComponent("superres.png"))
}
