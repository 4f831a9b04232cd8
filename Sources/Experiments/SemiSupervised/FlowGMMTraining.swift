import Foundation
import Metrics
import NN
import Plots
import SemiSupervised
import Torch
import Training

/// What `ssl train --method flowgmm|flowgmm-cons` was asked for: `run` trained for `steps`
/// optimiser steps in all, scored on the test set every `evaluateEvery` steps.
public struct FlowGMMTrainingParameters: Sendable {
  public var run: FlowGMMRun
  public var steps: Int
  /// The run folder.
  public var out: String
  public var resume = false
  /// Steps between checkpoints and test-accuracy points of the curve (nil: a tenth of the run).
  public var evaluateEvery: Int?

  public init(run: FlowGMMRun, steps: Int, out: String) {
    self.run = run
    self.steps = steps
    self.out = out
  }
}

/// Test scores of a FlowGMM model.
public struct FlowGMMScores: Codable, Sendable {
  public var testExamples: Int
  public var accuracy: Double
  /// −log p(x) under the flow and the mixture, nats per example (for images, of the dequantised
  /// images in [0, 1]ᴰ).
  public var nll: Double
  /// Images: the test NLL of the 8-bit images in bits per dimension.
  public var bitsPerDim: Double?
}

/// What `ssl train` writes to a FlowGMM run's metrics.json.
public struct FlowGMMTrainingMetrics: Codable, Sendable {
  public var run: FlowGMMRun
  public var steps: Int
  public var stepsThisRun: Int
  /// Training seconds over every run that built this checkpoint.
  public var seconds: Double
  public var finalLoss: Double?
  public var final: FlowGMMScores
  public var parameters: Int
  public var threads: Int
}

extension FlowGMMRun {
  /// Scores `model` on `points` (1,000 at a time, in evaluation mode, without gradient).
  /// Images are dequantised with noise drawn from `seed`, so a score repeats exactly.
  public func scores(_ model: FlowGMM, points: Tensor, labels: Tensor) -> FlowGMMScores {
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }
    Torch.manualSeed(seed &+ 2_000)
    var correct = 0.0
    var nll = 0.0
    withNoGrad {
      for start in stride(from: 0, to: points.size(0), by: 1_000) {
        let end = Swift.min(start + 1_000, points.size(0))
        let (logProbs, logDet) = model.classLogProbs(points[start..<end])
        correct += (logProbs.argmax(dim: 1) .== labels[start..<end]).to(.float64).sum().item()
        nll += FlowGMM.unlabelledLosses(logProbs: logProbs, logDet: logDet).to(.float64).sum().item()
      }
    }
    let count = points.size(0)
    let meanNLL = nll / Double(count)
    return FlowGMMScores(
      testExamples: count, accuracy: correct / Double(count), nll: meanNLL,
      bitsPerDim: isImages ? bitsPerDimension(nll: meanNLL, dimensions: exampleShape.reduce(1, *)) : nil)
  }

  static func accuracy(_ model: FlowGMM, _ points: Tensor, _ labels: Tensor) -> Double {
    let predictions = Tensor.cat(stride(from: 0, to: points.size(0), by: 1_000).map { start in
      model.predict(points[start..<Swift.min(start + 1_000, points.size(0))])
    })
    return (predictions .== labels).to(.float64).mean().item()
  }
}

extension FlowGMMTrainingParameters {
  /// Trains the run into `out` (checkpoints, `curve.csv` and `curve.png` with the test accuracy,
  /// metrics.json, and the run's figure: `regions.png` for two moons, `samples.png` for
  /// images), continuing it with `resume`.
  public func train() throws -> (metrics: FlowGMMTrainingMetrics, folder: URL, files: [String]) {
    if let problem = run.problem { throw ExperimentError(problem) }
    let folder = try runFolder(out, resume: resume, unit: "step")
    let data = try run.data()
    let model = run.makeModel()
    var curve = try LearningCurveFiles(folder: folder, columns: ["test_accuracy"], resume: resume)
    let every = evaluateEvery ?? Swift.max(1, steps / 10)
    let loop = TrainingLoop(
      .steps(steps), seed: run.seed &+ 1_000, checkpoint: folder.appendingPathComponent(runCheckpointName),
      checkpointEvery: every, config: run.json, label: run.name)
    let title = "\(run.title) on \(run.dataset.rawValue): \(run.labels) labels, \(run.unlabelled) unlabelled"
    let summary = try loop.run(model, optimizers: run.makeOptimizers(for: model), resume: resume) { step, seconds in
      let accuracy = FlowGMMRun.accuracy(model, data.testPoints, data.testLabels)
      try curve.record(.init(step: step, values: [accuracy], trainSeconds: seconds)) {
        $0.figure(title: title, xLabel: "steps", yLabel: "test accuracy", labels: ["test accuracy"])
      }
    } batch: { _ in run.batch(data) }
    let final = run.scores(model, points: data.testPoints, labels: data.testLabels)
    let metrics = FlowGMMTrainingMetrics(
      run: run, steps: summary.lastStep, stepsThisRun: summary.lastStep - summary.firstStep,
      seconds: summary.totalSeconds, finalLoss: summary.finalLoss, final: final,
      parameters: model.trainableParameters().map { $0.count }.reduce(0, +), threads: Torch.threadCount)
    try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
    let figureName = run.isImages ? "samples.png" : "regions.png"
    try FlowGMMEvaluation.figure(run: run, model: model, data: data).write(to: folder.appendingPathComponent(figureName))
    return (metrics, folder, [runCheckpointName, "metrics.json", "curve.csv", "curve.png", figureName])
  }
}

/// A trained FlowGMM run loaded for `ssl eval`: its test scores and its figure.
public struct FlowGMMEvaluation {
  public let run: FlowGMMRun
  public let scores: FlowGMMScores
  let model: FlowGMM
  let data: FlowGMMRun.Examples

  /// Loads the FlowGMM run at `checkpoint` (its folder or model.safetensors) and scores it.
  public init(checkpoint path: String) throws {
    let (url, info) = try savedCheckpoint(at: path, writtenBy: "ssl train")
    guard let config = info.config, let run = FlowGMMRun.decode(config) else {
      throw ExperimentError("\(url.path) is not a FlowGMM checkpoint (its metadata has no FlowGMM configuration)")
    }
    let model = run.makeModel()
    try Checkpoint.load(from: url, into: model)
    let data = try run.data()
    self.run = run
    self.model = model
    self.data = data
    scores = run.scores(model, points: data.testPoints, labels: data.testLabels)
  }

  /// Two moons: the paper's Figure 1 (decision regions and the latent space with the class
  /// Gaussians). Images: class-conditional samples x = f⁻¹(z), z ~ N(μ_k, T²I), a row a class.
  public func figure(temperature: Double = 0.5, samplesPerClass: Int = 10) -> Figure {
    Self.figure(run: run, model: model, data: data, temperature: temperature, samplesPerClass: samplesPerClass)
  }

  static func figure(
    run: FlowGMMRun, model: FlowGMM, data: FlowGMMRun.Examples, temperature: Double = 0.5, samplesPerClass: Int = 10
  ) -> Figure {
    Torch.manualSeed(run.seed &+ 3_000)
    if run.isImages {
      return classConditionalSamples(model, run: run, temperature: temperature, perClass: samplesPerClass)
    }
    return twoMoonsFigure(model, run: run, data: data)
  }
}
