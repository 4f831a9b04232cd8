import ArgumentParser
import BayesOpt
import Experiments
import Foundation
import GaussianProcesses
import NN
import NeuralProcesses
import Torch

extension ObjectiveFamily: ExpressibleByArgument {}
extension NeuralProcessDraw: ExpressibleByArgument {}

struct BayesOptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bo", abstract: "Bayesian optimisation of 1-D functions by Thompson sampling (the NP paper's experiment).",
    subcommands: [Run.self, Plot.self, Table.self])

  /// The model behind the acquisition: an exact GP, a trained Neural Process, or none (random search).
  enum SurrogateChoice: String, ExpressibleByArgument, CaseIterable, Codable {
    case gp, random, np, anp, cnp, attncnp

    var neuralProcessKind: NeuralProcessKind? { NeuralProcessKind(rawValue: rawValue) }
  }

  enum AcquisitionChoice: String, ExpressibleByArgument, CaseIterable, Codable {
    case thompson, ei
  }

  /// What `bo run` prints and writes: its settings and the regret over all functions.
  struct RunResult: Codable {
    struct Settings: Codable {
      var surrogate: SurrogateChoice
      var acquisition: AcquisitionChoice
      var objective: ObjectiveFamily
      var functions: Int
      var evaluations: Int
      var gridSize: Int
      var seed: UInt64
      var checkpoint: String?
      /// How a Neural Process surrogate drew functions (nil for gp and random).
      var draw: NeuralProcessDraw?
      /// The surrogate in words: kernel and whether its hyperparameters are true or fitted, or the model.
      var surrogateDetail: String
      var objectiveDetail: String
    }
    var settings: Settings
    var regret: RegretSummary
    var seconds: Double

    /// The curve's name in figures and tables.
    var label: String {
      let latent = settings.surrogate.neuralProcessKind?.hasLatentPath == true
      return settings.surrogate.rawValue + (settings.acquisition == .ei ? " (EI)" : "")
        + (latent && settings.draw == .marginal ? " (marginal)" : "")
    }

    static func read(_ path: String) throws -> RunResult {
      guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("cannot read \(path)") }
      do { return try JSONDecoder().decode(RunResult.self, from: data) } catch {
        throw UsageError("\(path) is not the JSON of `penumbra bo run --out`: \(error)")
      }
    }
  }
}

extension BayesOptCommand {
  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Minimise test functions with a surrogate; prints per-step simple regret (mean, s.e.) and cumulative regret.",
      discussion: """
        Each run starts at a random grid point (the same for every surrogate) and evaluates the objective exactly \
        (no noise) --evaluations times in all. gp-prior draws come from the ANP paper's `deepmind` GP (EQ, l = 0.6, \
        σ_f = 1) on 1,000 points of [−2, 2]; the GP surrogate then uses these true hyperparameters. Named functions \
        are mapped linearly onto [−2, 2] and standardised over the grid; the GP refits its hyperparameters to them.
        """)

    @Option(help: "gp, random, or a Neural Process checkpoint's kind: np, anp (also cnp, attncnp).") var surrogate: SurrogateChoice
    @Option(help: "Run folder (or model.safetensors) of `penumbra np train`, for NP surrogates.") var checkpoint: String?
    @Option(help: "gp-prior, forrester or branin-slice.") var objective: ObjectiveFamily = .gpPrior
    @Option(help: "Functions (runs) to average over.") var functions = 100
    @Option(help: "Evaluations per run, the random first one included.") var evaluations = 50
    @Option(help: "Grid points on [−2, 2].") var gridSize = 1000
    @Option(help: "Seed of the functions, the first points and the draws.") var seed: UInt64 = 0
    @Option(help: "thompson, or ei (expected improvement; gp only).") var acquisition: AcquisitionChoice = .thompson
    @Option(help: "Thompson draw of np/anp surrogates: latent (decoder mean under one z, the NP paper's) or marginal (mean + σ·ε per point, always used for cnp/attncnp).")
    var draw: NeuralProcessDraw = .latent
    @Option(help: "Kernel of the GP surrogate on named functions (fitted by maximum marginal likelihood).") var gpKernel: KernelFamily = .eq
    @Flag(help: "Print the result as one JSON object.") var json = false
    @Option(help: "Also write the result as pretty JSON to this file.") var out: String?

    func validate() throws {
      guard functions > 0, evaluations > 0, gridSize >= 2 else {
        throw ValidationError("--functions and --evaluations must be positive and --grid-size at least 2")
      }
      if surrogate.neuralProcessKind != nil && checkpoint == nil {
        throw ValidationError("--surrogate \(surrogate.rawValue) needs --checkpoint (a run of `penumbra np train --model \(surrogate.rawValue)`)")
      }
      if draw == .marginal && surrogate.neuralProcessKind == nil {
        throw ValidationError("--draw marginal is for Neural Process surrogates (np, anp, cnp, attncnp), not \(surrogate.rawValue)")
      }
      if acquisition == .ei && surrogate != .gp {
        throw ValidationError("--acquisition ei needs --surrogate gp (it uses the GP's posterior mean and variance)")
      }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let objectives = objective.objectives(count: functions, gridSize: gridSize, seed: seed)
      let (policy, surrogateDetail) = try makePolicy()
      let started = Date()
      let traces = BayesianOptimisation.runs(objectives, policy: policy, evaluations: evaluations, seed: seed) { done, trace in
        let elapsed = Date().timeIntervalSince(started)
        let left = elapsed / Double(done) * Double(functions - done)
        let line = String(
          format: "[bo %@] function %d/%d  final regret %.4g  elapsed %@  left %@", surrogate.rawValue, done, functions,
          trace.simpleRegret.last!, ProgressReporter.format(elapsed), ProgressReporter.format(left))
        FileHandle.standardError.write(Data((line + "\n").utf8))
      }
      let result = RunResult(
        settings: .init(
          surrogate: surrogate, acquisition: acquisition, objective: objective, functions: functions, evaluations: evaluations,
          gridSize: gridSize, seed: seed, checkpoint: checkpoint,
          draw: surrogate.neuralProcessKind.map { $0.hasLatentPath ? draw : .marginal },
          surrogateDetail: surrogateDetail, objectiveDetail: objectiveDetail),
        regret: RegretSummary(traces), seconds: Date().timeIntervalSince(started))
      if let out { try writeJSON(result, to: URL(fileURLWithPath: out)) }
      if json { print(jsonLine(result)) } else { printSummary(result) }
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
      let (run, model, info) = try NeuralProcessRun.load(checkpoint!)
      guard run.images == nil, run.model.xDimension == 1 else { throw UsageError("\(checkpoint!) is not a 1-D curve model") }
      guard run.model.kind == surrogate.neuralProcessKind else {
        throw UsageError("\(checkpoint!) holds a \(run.model.kind.rawValue) model, not \(surrogate.rawValue)")
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

    func printSummary(_ result: RunResult) {
      let r = result.regret
      for step in BayesOptCommand.reportedSteps(evaluations) {
        print(String(format: "step %3d  simple regret %.4f ± %.4f", step, r.simpleRegretMean[step - 1], r.simpleRegretStandardError[step - 1]))
      }
      print(String(format: "cumulative regret %.3f ± %.3f   evaluations to the minimum %.1f ± %.1f (%d/%d runs reached it)",
                   r.cumulativeRegret.mean, r.cumulativeRegret.standardError, r.evaluationsToMinimum.mean,
                   r.evaluationsToMinimum.standardError, r.runsReachingMinimum, functions))
    }
  }

  /// The steps the tables report (1, 10, 25, 50) that a budget of `evaluations` reaches, and the last.
  static func reportedSteps(_ evaluations: Int) -> [Int] {
    Array(Set([1, 10, 25, 50].filter { $0 <= evaluations } + [evaluations])).sorted()
  }

  struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw the simple-regret curves of `bo run --out` files in one PNG.")

    @Argument(help: "JSON files written by `bo run --out`.") var runs: [String]
    @Option(help: "Output PNG.") var out: String

    func run() throws {
      let results = try runs.map(RunResult.read)
      let first = results[0].settings
      let title = "Thompson sampling on \(first.objective.rawValue): \(first.functions) functions"
      let figure = RegretSummary.figure(results.map { ($0.label, $0.regret) }, title: title)
      try figure.write(to: URL(fileURLWithPath: out))
      print("wrote \(out)")
    }
  }

  struct Table: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a Markdown table of `bo run --out` files: simple regret by step, cumulative regret, evaluations to the minimum.")

    @Argument(help: "JSON files written by `bo run --out`.") var runs: [String]

    func run() throws {
      let results = try runs.map(RunResult.read)
      let steps = BayesOptCommand.reportedSteps(results.map(\.settings.evaluations).min()!)
      // The NP paper's Table 1 measure: evaluations to reach the minimum, relative to random search.
      let random = results.first { $0.settings.surrogate == .random }?.regret.evaluationsToMinimum.mean
      print("| surrogate | objective | functions | " + steps.map { "simple regret @\($0)" }.joined(separator: " | ")
        + " | cumulative regret | evaluations to minimum (reached) | ÷ random | time |")
      print("| --- | --- | ---: | " + steps.map { _ in "---:" }.joined(separator: " | ") + " | ---: | ---: | ---: | ---: |")
      for result in results {
        let r = result.regret
        let cells = [result.label, result.settings.objective.rawValue, "\(result.settings.functions)"]
          + steps.map { String(format: "%.4f ± %.4f", r.simpleRegretMean[$0 - 1], r.simpleRegretStandardError[$0 - 1]) }
          + [String(format: "%.2f ± %.2f", r.cumulativeRegret.mean, r.cumulativeRegret.standardError),
             String(format: "%.1f ± %.1f (%d/%d)", r.evaluationsToMinimum.mean, r.evaluationsToMinimum.standardError,
                    r.runsReachingMinimum, result.settings.functions),
             random.map { String(format: "%.2f", r.evaluationsToMinimum.mean / $0) } ?? "–",
             ProgressReporter.format(result.seconds)]
        print("| " + cells.joined(separator: " | ") + " |")
      }
    }
  }
}
