import Foundation
import ImageData
import NN
import Training
import Uncertainty

/// A trained `ood train` run: its checkpoint file, settings and model, in evaluation mode.
public struct ImageOODCheckpoint {
  public var url: URL
  public var run: FashionMNISTRun
  public var model: any ImageBenchmarkClassifier
  public var info: CheckpointInfo

  /// The run saved at `path` (a run folder or its model.safetensors); errors say how to get a
  /// usable one. A checkpoint saved mid-epoch (an interrupted run) is noted on standard error.
  public static func load(_ path: String) throws -> ImageOODCheckpoint {
    let (url, info) = try savedCheckpoint(at: path, writtenBy: "ood train")
    guard let config = info.config, let run = FashionMNISTRun.decode(config) else {
      throw ExperimentError("\(url.path) is not an `ood train` checkpoint (its metadata has no Fashion-MNIST run configuration)")
    }
    let model = run.makeModel()
    do {
      try Checkpoint.load(from: url, into: model)
    } catch {
      throw ExperimentError(
        "\(url.path) does not fit a \(run.method.rawValue) model (\(error)); retrain with `penumbra ood train --out DIR` (or --resume an interrupted run)")
    }
    run.prepareForScoring(model)
    if let done = info.metadata[TrainingLoop.batchesDoneKey] {
      printToStandardError(
        "note: \(url.path) was saved \(done) batches into epoch \(info.step + 1) (an interrupted run); "
          + "its scores are of that state, reported as \(info.step) epochs. `ood train --resume` finishes the epoch.")
    }
    return ImageOODCheckpoint(url: url, run: run, model: model, info: info)
  }
}

/// The Fashion-MNIST test split, or its first `subset` images.
public func fashionMNISTTestSet(subset: Int?) throws -> ImageDataset {
  let test = try ImageDataset.fashionMNIST(split: .test)
  guard let subset, subset < test.count else { return test }
  return test.subset(Array(0..<subset))
}
