import Datasets
import Foundation
import NeuralProcesses
import Torch

/// What `np eval` was asked for: a trained run scored on generated test tasks, a tasks file,
/// or (image models) test images. Defaults are the command line's.
public struct NeuralProcessEvaluationParameters: Sendable {
  /// The run folder (or its model.safetensors).
  public var checkpoint: String
  /// Test tasks of another protocol or kernel than the training one.
  public var curveProtocol: CurveProtocol?
  public var kernel: CurveKernel?
  /// A JSON Lines tasks file to score instead of generated tasks.
  public var tasksFile: String?
  public var tasks = 1000
  public var samples: Int?
  public var zFrom: LatentDraws = .context
  public var seed: UInt64 = 2_024
  /// Image models: the test set (nil: the training one).
  public var data: ImageSource?
  public var contextPoints: ContextPixels?

  public init(checkpoint: String) { self.checkpoint = checkpoint }
}

/// The scores of `np eval`.
public enum NeuralProcessEvaluation {
  case curves(NeuralProcessScores)
  case images(ImageCompletionScores, data: ImageSource, contextPoints: ContextPixels)
}

extension NeuralProcessEvaluationParameters {
  /// Scores the run's model; inputs outside its training range are warned about on standard error.
  public func evaluate() throws -> NeuralProcessEvaluation {
    let (run, model, _) = try NeuralProcessRun.load(checkpoint)
    if let source = data ?? run.images {
      guard run.images != nil else { throw ExperimentError("\(checkpoint) holds a curve model; --data needs a model trained with `np train --data`") }
      return try evaluateImages(model, source: source)
    }
    var sampler = run.sampler
    if let curveProtocol { sampler.curveProtocol = curveProtocol }
    if let kernel { sampler.kernel = kernel }
    if let contextPoints {
      guard case .fixedCount(let count) = contextPoints.selection else {
        throw ExperimentError("--context-points \(contextPoints) is for images; curve tasks take a count of context points")
      }
      guard tasksFile == nil else { throw ExperimentError("--context-points does not apply to --tasks-file, whose tasks carry their own contexts") }
      guard count <= sampler.evaluationTargetCount else {
        throw ExperimentError(
          "--context-points \(count): the \(sampler.curveProtocol.rawValue) protocol's test tasks have \(sampler.evaluationTargetCount) points")
      }
      sampler.contextCount = count
    }
    let batches: [CurveBatch]
    if let tasksFile {
      let tasks = try TaskFile.read(URL(fileURLWithPath: tasksFile))
      guard tasks[0].xTarget[0].count == 1 else {
        throw ExperimentError("\(tasksFile): the 1-D Neural Processes need 1-D inputs, the file has \(tasks[0].xTarget[0].count)")
      }
      warnOutsideTrainingRange(
        x: [("context points", tasks.flatMap { $0.xContext.map { $0[0] } }), ("target points", tasks.flatMap { $0.xTarget.map { $0[0] } })],
        y: tasks.flatMap { $0.yContext + $0.yTarget })
      batches = [sampler.batch(from: tasks)]
    } else {
      batches = evaluationBatches(sampler, tasks: tasks, seed: seed)
    }
    return .curves(model.evaluate(batches: batches, samples: samples, zFrom: zFrom))
  }

  /// An image model's per-pixel log-likelihoods on the test images.
  func evaluateImages(_ model: NeuralProcess, source: ImageSource) throws -> NeuralProcessEvaluation {
    guard let contextPoints else {
      throw ExperimentError("an image model needs --context-points (a pixel count, top-half, left-half or all)")
    }
    let test = try source.load(.test)
    Torch.manualSeed(seed)
    let scores = model.evaluateCompletion(
      images: test.images[0..<Swift.min(tasks, test.count)], selection: contextPoints.selection, scale: imageScale, samples: samples,
      zFrom: zFrom)
    return .images(scores, data: source, contextPoints: contextPoints)
  }
}
