import Foundation
import NN

/// The checkpoint file in every training run's folder (`np train --out`, `ood train --out`).
public let runCheckpointName = "model.safetensors"

/// The folder of a training run, created if missing. A folder that already holds a checkpoint
/// is refused unless the user asked to continue it: starting afresh would overwrite hours of
/// training. `unit`: what the checkpoint's step counts ("step", "epoch").
public func runFolder(_ out: String, resume: Bool, unit: String = "step") throws -> URL {
  let folder = URL(fileURLWithPath: out, isDirectory: true)
  let checkpoint = folder.appendingPathComponent(runCheckpointName)
  if !resume, FileManager.default.fileExists(atPath: checkpoint.path) {
    let step = (try? Checkpoint.info(at: checkpoint)).map { " at \(unit) \($0.step)" } ?? ""
    throw ExperimentError(
      "\(out) already holds a run (\(runCheckpointName)\(step)): pass --resume to continue it, "
        + "or another --out to start afresh (or delete the folder to replace it)")
  }
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}

/// The checkpoint a user means by `path`: the file itself when it is a `.safetensors` file,
/// else the run folder's model.safetensors. One rule for every command that reads a run, so
/// `--checkpoint DIR`, `--checkpoint DIR/` and `--checkpoint DIR/model.safetensors` agree.
public func runCheckpoint(at path: String) -> URL {
  let url = URL(fileURLWithPath: path)
  return url.pathExtension == "safetensors" && !url.hasDirectoryPath ? url : url.appendingPathComponent(runCheckpointName)
}

/// The checkpoint at `path` (a run folder or its model.safetensors) and its metadata, or an
/// error naming the file and how to get a usable one. `command`: the training command that
/// writes such runs ("np train", "ood train").
public func savedCheckpoint(at path: String, writtenBy command: String) throws -> (url: URL, info: CheckpointInfo) {
  let url = runCheckpoint(at: path)
  guard FileManager.default.fileExists(atPath: url.path) else {
    throw ExperimentError("no checkpoint at \(url.path): pass the --out folder of `penumbra \(command)` or its model.safetensors")
  }
  do {
    return (url, try Checkpoint.info(at: url))
  } catch {
    throw ExperimentError(
      "\(url.path) is damaged or not a checkpoint (\(error)); pass a model.safetensors written by `penumbra \(command)`, or train again")
  }
}
