import ArgumentParser
import Experiments
import Torch
import Uncertainty

struct OODCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ood", abstract: "Uncertainty and out-of-distribution detection: DUQ, deep ensembles, MC dropout, softmax.",
    subcommands: [Moons.self, Train.self, Evaluate.self, Report.self])
}

extension OODCommand {
  /// `--method`: one method of the comparison or all of them side by side.
  enum MoonsChoice: String, ExpressibleByArgument, CaseIterable {
    case duq, ensemble, softmax, all

    var methods: [MoonsMethod] { self == .all ? MoonsMethod.allCases : [MoonsMethod(rawValue: rawValue)!] }
  }

  struct Moons: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train on two moons (1,500 points, noise 0.1); writes metrics.json and uncertainty.png, the certainty over the plane.",
      discussion: "Settings follow the DUQ paper's notebooks (y0ast/deterministic-uncertainty-quantification).")

    @Option(help: "duq, ensemble, softmax, or all (one figure with the three side by side).") var method: MoonsChoice = .duq
    @Option(help: "Output folder.") var out: String
    @Option(help: "Training epochs (default: 30 for duq, 50 for each softmax network).") var epochs: Int?
    @Option(help: "Seed of the data, the initialisation and the batch order.") var seed: UInt64 = 0
    @Option(help: "Networks in the deep ensemble.") var members = 5
    @Option(help: "Certainty of softmax and ensemble predictions: entropy (1 − H/log 2) or max-probability.")
    var certainty: CertaintyMeasure = .entropy
    @Option(help: "DUQ's gradient-penalty weight λ (0 turns the penalty off).") var gradientPenalty = 1.0
    @Option(help: "DUQ's RBF length scale σ.") var lengthScale = 0.3

    func validate() throws {
      if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive") }
      guard members > 0, lengthScale > 0, gradientPenalty >= 0 else {
        throw ValidationError("--members and --length-scale must be positive and --gradient-penalty non-negative")
      }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let (metrics, folder) = try parameters.run()
      for result in metrics.results { print(result.summary) }
      printWrote(folder, ["metrics.json", "uncertainty.png"])
    }

    /// The notebooks' settings with this command's overrides.
    var parameters: TwoMoonsParameters {
      var experiment = TwoMoonsExperiment()
      experiment.seed = seed
      experiment.ensembleMembers = members
      experiment.certaintyMeasure = certainty
      experiment.duq.gradientPenaltyWeight = gradientPenalty
      experiment.duq.lengthScale = lengthScale
      return TwoMoonsParameters(experiment: experiment, methods: method.methods, epochs: epochs, out: out)
    }
  }
}
