import BayesOpt
import Foundation
import GaussianProcesses
import NN
import NeuralProcesses
import Torch
import Training

/// The model behind the acquisition: an exact GP, a trained Neural Process, or none (random search).
public enum BayesOptSurrogate: String, CaseIterable, Codable, Sendable {
  case gp, random, np, anp, cnp, attncnp

  public var neuralProcessKind: NeuralProcessKind? { NeuralProcessKind(rawValue: rawValue) }
}

public enum BayesOptAcquisition: String, CaseIterable, Codable, Sendable {
  case thompson, ei
}

/// What `bo run` was asked for: test functions minimised with a surrogate. Defaults are the
/// command line's.
public struct BayesOptRunParameters: Sendable {
  public var surrogate: BayesOptSurrogate
  /// Run folder (or model.safetensors) of `np train`, for Neural Process surrogates.
  public var checkpoint: String?
  public var objective: ObjectiveFamily = .gpPrior
  public var functions = 100
  public var evaluations = 50
  public var gridSize = 1000
  public var seed: UInt64 = 0
  public var acquisition: BayesOptAcquisition = .thompson
  public var draw: NeuralProcessDraw = .latent
  /// Kernel of the GP surrogate on named functions.
  public var gpKernel: KernelFamily = .eq
  /// Also write the result as pretty JSON to this file.
  public var out: String?

  public init(surrogate: BayesOptSurrogate) { self.surrogate = surrogate }
}

/// What `bo run` prints and writes: its settings and the regret over all functions.
public struct BayesOptRunResult: Codable, Sendable {
  public struct Settings: Codable, Sendable {
    public var surrogate: BayesOptSurrogate
    public var acquisition: BayesOptAcquisition
    public var objective: ObjectiveFamily
    public var functions: Int
    public var evaluations: Int
    public var gridSize: Int
    public var seed: UInt64
    public var checkpoint: String?
    /// How a Neural Process surrogate drew functions (nil for gp and random).
    public var draw: NeuralProcessDraw?
    /// The surrogate in words: kernel and whether its hyperparameters are true or fitted, or the model.
    public var surrogateDetail: String
    public var objectiveDetail: String
  }
  public var settings: Settings
  public var regret: RegretSummary
  public var seconds: Double

  /// The curve's name in figures and tables.
  public var label: String {
    let latent = settings.surrogate.neuralProcessKind?.hasLatentPath == true
    return settings.surrogate.rawValue + (settings.acquisition == .ei ? " (EI)" : "")
      + (latent && settings.draw == .marginal ? " (marginal)" : "")
  }

  /// The result `bo run --out` wrote to `path`.
  public static func read(_ path: String) throws -> BayesOptRunResult {
    guard let data = FileManager.default.contents(atPath: path) else { throw ExperimentError("cannot read \(path)") }
    do { return try JSONDecoder().decode(BayesOptRunResult.self, from: data) } catch {
      throw ExperimentError("\(path) is not the JSON of `penumbra bo run --out`: \(error)")
    }
  }

  /// The steps the tables report (1, 10, 25, 50) that a budget of `evaluations` reaches, and the last.
  public static func reportedSteps(_ evaluations: Int) -> [Int] {
    Array(Set([1, 10, 25, 50].filter { $0 <= evaluations } + [evaluations])).sorted()
  }
}

extension BayesOptRunParameters {
  /// Runs the optimisation on every function (progress on standard error), writes `out` if
  /// given, and returns the result.
  public func run() throws -> BayesOptRunResult {
    let objectives = objective.objectives(count: functions, gridSize: gridSize, seed: seed)
    let (policy, surrogateDetail) = try makePolicy()
    let started = Date()
    let traces = BayesianOptimisation.runs(objectives, policy: policy, evaluations: evaluations, seed: seed) { done, trace in
      let elapsed = Date().timeIntervalSince(started)
      let left = elapsed / Double(done) * Double(functions - done)
      printToStandardError(String(
        format: "[bo %@] function %d/%d  final regret %.4g  elapsed %@  left %@", surrogate.rawValue, done, functions,
        trace.simpleRegret.last!, ProgressReporter.format(elapsed), ProgressReporter.format(left)))
    }
    let result = BayesOptRunResult(
      settings: .init(
        surrogate: surrogate, acquisition: acquisition, objective: objective, functions: functions, evaluations: evaluations,
        gridSize: gridSize, seed: seed, checkpoint: checkpoint,
        draw: surrogate.neuralProcessKind.map { $0.hasLatentPath ? draw : .marginal },
        surrogateDetail: surrogateDetail, objectiveDetail: objectiveDetail),
      regret: RegretSummary(traces), seconds: Date().timeIntervalSince(started))
    if let out { try writeJSON(result, to: URL(fileURLWithPath: out)) }
    return result
  }

  var objectiveDetail: String {
    switch objective {
    case .gpPrior: "GP prior draws (EQ, l = 0.6, σ_f = 1, noise-free) on \(gridSize) points of [−2, 2], seed \(seed)"
    case .forrester: "Forrester (6u−2)² sin(12u−4), u ∈ [0, 1] ↦ x ∈ [−2, 2], standardised over the grid"
    case .braninSlice:
      "Branin at x₂ ∈ \(ObjectiveFamily.braninSlices) (cycled), x₁ ∈ [−5, 10] ↦ x ∈ [−2, 2], standardised over the grid"
    }
  }

  /// The acquisition policy and a sentence describing its surrogate.
  func makePolicy() throws -> (any AcquisitionPolicy, String) {
    if surrogate == .random { return (RandomSearch(), "uniformly random grid points") }
    if surrogate == .gp {
      let gp = gaussianProcess
      let policy: any AcquisitionPolicy = acquisition == .ei ? ExpectedImprovement(gp) : ThompsonSampling(gp)
      let k = gp.process.kernel
      let detail = gp.fitsHyperparameters
        ? "exact GP, \(k.family.rawValue) kernel refitted by maximum marginal likelihood from \(gp.minimumPointsToFit) points (before: l = \(k.lengthscale), σ_f = \(k.scale))"
        : "exact GP with the objective's true hyperparameters: \(k.family.rawValue), l = \(k.lengthscale), σ_f = \(k.scale), σ_n² = \(gp.process.noiseVariance)"
      return (policy, detail)
    }
    guard let checkpoint else {
      throw ExperimentError("--surrogate \(surrogate.rawValue) needs --checkpoint (a run of `penumbra np train --model \(surrogate.rawValue)`)")
    }
    let (run, model, info) = try NeuralProcessRun.load(checkpoint)
    guard run.images == nil, run.model.xDimension == 1 else { throw ExperimentError("\(checkpoint) is not a 1-D curve model") }
    guard run.model.kind == surrogate.neuralProcessKind else {
      throw ExperimentError("\(checkpoint) holds a \(run.model.kind.rawValue) model, not \(surrogate.rawValue)")
    }
    let sampler = NeuralProcessSurrogate(model: model, xScale: run.sampler.xScale, draw: draw)
    let drawDetail = sampler.draw == .latent ? "decoder mean under one z ~ q(z|C) per draw" : "mean + σ·ε, ε independent per point"
    let detail = "\(run.model.kind.rawValue) trained \(info.step) steps on \(run.curveProtocol.rawValue)/\(run.kernel.rawValue); draw = \(drawDetail)"
    return (ThompsonSampling(sampler), detail)
  }

  /// True hyperparameters for GP-prior draws; a fit for named functions, with the prior GP as its start.
  var gaussianProcess: GaussianProcessSurrogate {
    // σ_n² = 1e-6: evaluations are exact; a tiny noise keeps the Cholesky factor of repeated points stable.
    if objective == .gpPrior {
      return GaussianProcessSurrogate(process: GaussianProcess(kernel: ObjectiveFamily.priorKernel, noiseVariance: 1e-6), fitsHyperparameters: false)
    }
    let prior = Kernel(gpKernel, lengthscale: 0.6, scale: 1)
    return GaussianProcessSurrogate(process: GaussianProcess(kernel: prior, noiseVariance: 1e-6), fitsHyperparameters: true)
  }
}
