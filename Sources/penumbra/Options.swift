import ArgumentParser
import Datasets
import Experiments
import Foundation
import NN
import NeuralProcesses
import Uncertainty

extension NeuralProcessKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension NeuralProcessArchitecture: ExpressibleByArgument {}
extension CurveProtocol: ExpressibleByArgument {}
extension CurveKernel: ExpressibleByArgument {}
extension LatentDraws: ExpressibleByArgument {
  /// The `--z-from` help of `np train` and `np eval`.
  static let help = ArgumentHelp(
    """
    Latent models: draw z from q(z | context), the predictive (context); from q(z | targets) weighted by \
    q(z | context) / q(z | targets), an importance-sampled estimate of the same predictive log-likelihood, far \
    less biased low when q(z | context) is wide (importance); or from q(z | targets) without the weights, as \
    NPF's code scores its LNP and AttnLNP (targets: optimistic, for comparing with NPF's published numbers only).
    """)
}
extension ImageOODEvaluationKind.Detector: ExpressibleByArgument {}

/// The checkpoint file in every training run's --out folder (`np train`, `ood train`).
let runCheckpointName = "model.safetensors"

/// The --out folder of a training run, created if missing. A folder that already holds a
/// checkpoint is refused unless the user asked to continue it: starting afresh would overwrite
/// hours of training. `unit`: what the checkpoint's step counts ("step", "epoch").
func runFolder(_ out: String, resume: Bool, unit: String = "step") throws -> URL {
  let folder = URL(fileURLWithPath: out, isDirectory: true)
  let checkpoint = folder.appendingPathComponent(runCheckpointName)
  if !resume, FileManager.default.fileExists(atPath: checkpoint.path) {
    let step = (try? Checkpoint.info(at: checkpoint)).map { " at \(unit) \($0.step)" } ?? ""
    throw UsageError(
      "\(out) already holds a run (\(runCheckpointName)\(step)): pass --resume to continue it, "
        + "or another --out to start afresh (or delete the folder to replace it)")
  }
  try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  return folder
}
