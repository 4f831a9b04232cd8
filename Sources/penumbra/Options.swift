import ArgumentParser
import BayesOpt
import Datasets
import Experiments
import Foundation
import GaussianProcesses
import NeuralProcesses
import Uncertainty

extension NeuralProcessKind: ExpressibleByArgument {}
extension AttentionKind: ExpressibleByArgument {}
extension NeuralProcessArchitecture: ExpressibleByArgument {}
extension CurveProtocol: ExpressibleByArgument {}
extension CurveKernel: ExpressibleByArgument {}
extension LatentDraws: ExpressibleByArgument {}
extension ImageSource: ExpressibleByArgument {}
extension ContextPixels: ExpressibleByArgument {}
extension CertaintyMeasure: ExpressibleByArgument {}
extension ImageOODMethod: ExpressibleByArgument {}
extension ImageOODSet: ExpressibleByArgument {}
extension ImageOODEvaluationKind.Detector: ExpressibleByArgument {}
extension KernelFamily: ExpressibleByArgument {}
extension ObjectiveFamily: ExpressibleByArgument {}
extension NeuralProcessDraw: ExpressibleByArgument {}
extension BayesOptSurrogate: ExpressibleByArgument {}
extension BayesOptAcquisition: ExpressibleByArgument {}

/// The folder a training run writes and whether to continue the run already in it
/// (`np train`, `ood train`).
struct RunFolderOptions: ParsableArguments {
  @Option(help: "Output folder.") var out: String
  @Flag(help: "Continue from out/model.safetensors when it exists.") var resume = false
}

/// The trained run `np eval` and `np predict` read.
struct NeuralProcessCheckpointOption: ParsableArguments {
  @Option(help: "Run folder (or model.safetensors) written by `np train`.") var checkpoint: String
}

/// Where latent models draw z from when scored (`np train`, `np eval`).
struct LatentDrawOption: ParsableArguments {
  @Option(
    help: """
      Latent models: draw z from q(z | context), the predictive (context); from q(z | targets) weighted by \
      q(z | context) / q(z | targets), an importance-sampled estimate of the same predictive log-likelihood, far \
      less biased low when q(z | context) is wide (importance); or from q(z | targets) without the weights, as \
      NPF's code scores its LNP and AttnLNP (targets: optimistic, for comparing with NPF's published numbers only).
      """)
  var zFrom: LatentDraws = .context
}

/// `--json` of the commands that print one result (`np eval`, `ood eval`).
struct JSONOutputOption: ParsableArguments {
  @Flag(help: "Print one JSON object.") var json = false
}

/// Writes a report's `rows` as JSON to `path` and says so; nothing without a path (`--json`
/// left out).
func writeRows<Rows: Encodable>(_ rows: Rows, to path: String?) throws {
  guard let path else { return }
  try writeJSON(rows, to: URL(fileURLWithPath: path))
  print("wrote \(path)")
}

/// The closing line of a command that wrote files into `folder`.
func printWrote(_ folder: URL, _ files: [String]) {
  print("wrote \(folder.path)/{\(files.joined(separator: ", "))}")
}
