import ArgumentParser
import BayesOpt
import Experiments
import GaussianProcesses
import NeuralProcesses
import Torch
import Training

struct BayesOptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bo", abstract: "Bayesian optimisation of 1-D functions by Thompson sampling (the NP paper's experiment).",
    subcommands: [Run.self, Plot.self, Table.self])
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

    @Option(help: "gp, random, or a Neural Process checkpoint's kind: np, anp (also cnp, attncnp).") var surrogate: BayesOptSurrogate
    @Option(help: "Run folder (or model.safetensors) of `penumbra np train`, for NP surrogates.") var checkpoint: String?
    @Option(help: "gp-prior, forrester or branin-slice.") var objective: ObjectiveFamily = .gpPrior
    @Option(help: "Functions (runs) to average over.") var functions = 100
    @Option(help: "Evaluations per run, the random first one included.") var evaluations = 50
    @Option(help: "Grid points on [−2, 2].") var gridSize = 1000
    @Option(help: "Seed of the functions, the first points and the draws.") var seed: UInt64 = 0
    @Option(help: "thompson, or ei (expected improvement; gp only).") var acquisition: BayesOptAcquisition = .thompson
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

    var parameters: BayesOptRunParameters {
      var parameters = BayesOptRunParameters(surrogate: surrogate)
      parameters.checkpoint = checkpoint
      parameters.objective = objective
      parameters.functions = functions
      parameters.evaluations = evaluations
      parameters.gridSize = gridSize
      parameters.seed = seed
      parameters.acquisition = acquisition
      parameters.draw = draw
      parameters.gpKernel = gpKernel
      parameters.out = out
      return parameters
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let result = try parameters.run()
      if json { return print(jsonLine(result)) }
      let r = result.regret
      for step in BayesOptRunResult.reportedSteps(evaluations) {
        print(String(format: "step %3d  simple regret %.4f ± %.4f", step, r.simpleRegretMean[step - 1], r.simpleRegretStandardError[step - 1]))
      }
      print(String(format: "cumulative regret %.3f ± %.3f   evaluations to the minimum %.1f ± %.1f (%d/%d runs reached it)",
                   r.cumulativeRegret.mean, r.cumulativeRegret.standardError, r.evaluationsToMinimum.mean,
                   r.evaluationsToMinimum.standardError, r.runsReachingMinimum, functions))
    }
  }

  struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw the simple-regret curves of `bo run --out` files in one PNG.")

    @Argument(help: "JSON files written by `bo run --out`.") var runs: [String]
    @Option(help: "Output PNG.") var out: String

    func run() throws {
      try BayesOptReport.plot(runs, to: out)
      print("wrote \(out)")
    }
  }

  struct Table: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a Markdown table of `bo run --out` files: simple regret by step, cumulative regret, evaluations to the minimum.")

    @Argument(help: "JSON files written by `bo run --out`.") var runs: [String]

    func run() throws {
      for line in try BayesOptReport.table(runs) { print(line) }
    }
  }
}
