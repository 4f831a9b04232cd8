import ArgumentParser
import Experiments
import Foundation
import ImageData
import NN
import NeuralProcesses
import Torch

/// The image data sets a Neural Process can complete (`make data` provides both).
enum ImageSource: String, Codable, CaseIterable, ExpressibleByArgument {
  case mnist
  case fashionMNIST = "fashion-mnist"

  func load(_ split: Split) throws -> ImageDataset {
    switch self {
    case .mnist: try ImageDataset.mnist5k(split: split)
    case .fashionMNIST: try ImageDataset.fashionMNIST(split: split)
    }
  }
}

/// Context pixels of an image-completion task, as the command line names them: a count, or
/// `top-half`, `left-half`, `all`.
struct ContextPixels: ExpressibleByArgument, Codable, CustomStringConvertible {
  let selection: ContextSelection
  let description: String

  init?(argument: String) {
    switch argument {
    case "top-half": selection = .topHalf
    case "left-half": selection = .leftHalf
    case "all": selection = .all
    default:
      guard let count = Int(argument), count >= 0 else { return nil }
      selection = .fixedCount(count)
    }
    description = argument
  }

  init(from decoder: Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let parsed = ContextPixels(argument: text) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad context pixels '\(text)'"))
    }
    self = parsed
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }

  /// The context sizes of the ANP paper's completion figure.
  static let figureRows = ["10", "50", "100", "300", "top-half", "all"].compactMap(ContextPixels.init(argument:))
}

/// Training contexts: a per-image count between 3% and 30% of the pixels.
let imageTrainingContexts = ContextSelection.randomFraction(0.03...0.3)

/// Intensities are centred (y = intensity − 0.5) for the model; log-likelihoods do not change.
let imageScale = IntensityScale.centred

/// What `np train --data` writes to metrics.json.
struct ImageTrainingMetrics: TrainingRunMetrics {
  var model: String
  var data: String
  var steps: Int
  var stepsThisRun: Int
  /// Training seconds over every run that built the checkpoint.
  var seconds: Double
  /// As in the curves' `TrainingMetrics`.
  var stepsPerSecond: Double?
  var finalLoss: Double?
  var threads: Int
  var parameters: Int
  var testImages: Int
  var completion: [CompletionRow]
  var superResolution: SuperResolutionScores

  struct CompletionRow: Codable {
    var context: ContextPixels
    var scores: ImageCompletionScores
  }
}

extension NeuralProcessCommand.Train {
  /// `np train --data`: image completion (the ANP paper's 2-D regression) instead of curves.
  func trainOnImages(_ source: ImageSource, folder: URL) throws {
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
    let optimizer = Adam(network.parameters(), learningRate: learningRate)
    let name = run.model.name
    let loop = TrainingLoop(
      steps: steps, seed: seed, checkpoint: folder.appendingPathComponent(runCheckpointName),
      checkpointEvery: checkpointEvery, config: run.json, label: "\(name) on \(source.rawValue)",
      schedule: learningRateDecay == 1 ? .constant : .exponential(totalSteps: steps, finalFactor: 1 / learningRateDecay))
    let summary = try loop.run(model: network, optimizer: optimizer, resume: resume) { _ in
      let tasks = PixelTaskBatch(images: train.randomBatch(size: batchSize).images, context: imageTrainingContexts, scale: imageScale)
      return network.loss(context: tasks.context, target: tasks.target, contextIndices: tasks.contextIndices).loss
    }
    let images = test.images[0..<Swift.min(evaluationTasks, test.count)]
    let completion = ContextPixels.figureRows.map { pixels in
      Torch.manualSeed(2_024)
      return ImageTrainingMetrics.CompletionRow(
        context: pixels, scores: network.evaluateCompletion(images: images, selection: pixels.selection, scale: imageScale, samples: samples))
    }
    let superResolution = network.evaluateSuperResolution(images: images, scale: imageScale, samples: samples)
    let metrics = ImageTrainingMetrics(
      model: name, data: source.rawValue, steps: steps, stepsThisRun: summary.lastStep - summary.firstStep,
      seconds: summary.totalSeconds, stepsPerSecond: summary.stepsPerSecond, finalLoss: summary.finalLoss, threads: Torch.threadCount,
      parameters: network.parameterCount, testImages: images.size(0), completion: completion, superResolution: superResolution)
    try writeRunMetrics(metrics, to: folder.appendingPathComponent("metrics.json"))
    try writeImageFigures(network, test: test, title: "\(name.uppercased()) on \(source.rawValue), \(steps) steps", folder: folder)
    for row in completion {
      print(String(format: "%@  %@ context pixels: target ll %.3f  context ll %.3f  std at observed %.3f", name, row.context.description,
                   row.scores.targetLL, row.scores.contextLL, row.scores.stdObserved))
    }
    print(String(format: "%@  super-resolution 14→28: ll %.3f  PSNR %.2f dB (bilinear %.2f dB)", name, superResolution.targetLL,
                 superResolution.psnr, superResolution.bilinearPSNR))
    print("wrote \(folder.path)/{\(runCheckpointName), metrics.json, completion.png, superres.png}")
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

extension NeuralProcessCommand.Evaluate {
  /// `np eval` of an image model: per-pixel log-likelihoods on the test images.
  func evaluateImages(_ model: NeuralProcess, source: ImageSource) throws {
    guard let contextPoints else {
      throw UsageError("an image model needs --context-points (a pixel count, top-half, left-half or all)")
    }
    let test = try source.load(.test)
    Torch.manualSeed(seed)
    let scores = model.evaluateCompletion(
      images: test.images[0..<Swift.min(tasks, test.count)], selection: contextPoints.selection, scale: imageScale, samples: samples,
      zFrom: zFrom)
    if json {
      print(jsonLine(scores))
    } else {
      print(String(format: "target ll %.4f   context ll %.4f   std at observed %.4f   %d images (%@, %@ context pixels)",
                   scores.targetLL, scores.contextLL, scores.stdObserved, scores.tasks, source.rawValue, contextPoints.description))
    }
  }
}
