import ArgumentParser
import Datasets
import Experiments
import Foundation
import Plots
import Torch
import Uncertainty

extension CertaintyMeasure: ExpressibleByArgument {}

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
      let folder = URL(fileURLWithPath: out, isDirectory: true)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let experiment = self.experiment
      let train = experiment.trainingSet
      let test = experiment.testSet
      let methods = method.methods
      let figure = Figure(width: 600 * methods.count, height: 640)
      let panels = figure.panels(rows: 1, columns: methods.count)[0]
      var results: [MoonsResult] = []
      for (method, axes) in zip(methods, panels) {
        let (model, seconds) = experiment.train(method, on: train, epochs: epochs)
        let result = MoonsResult(
          method: method, model: model, epochs: epochs ?? experiment.defaultEpochs(method), seconds: seconds,
          train: train, test: test, certainty: method == .duq ? "max K_c" : certainty.rawValue)
        results.append(result)
        print(result.summary)
        drawCertainty(
          of: model, over: .twoMoons, points: train.points, labels: train.labels, on: axes,
          title: String(format: "%@, %@: test acc. %.1f%%", method.title, result.certainty, 100 * result.testAccuracy))
        // A colour bar on every panel keeps the panels the same size.
        axes.colorbar(colormap: .viridis, range: 0...1, label: "certainty")
      }
      figure.title = title(methods)
      try writeJSON(MoonsMetrics(experiment: experiment, results: results), to: folder.appendingPathComponent("metrics.json"))
      try figure.write(to: folder.appendingPathComponent("uncertainty.png"))
      print("wrote \(folder.path)/{metrics.json, uncertainty.png}")
    }

    /// A figure title that fits above its panels (about 33 characters per 600-pixel panel).
    func title(_ methods: [MoonsMethod]) -> String {
      let duq = String(format: "gradient penalty %g, σ %g", gradientPenalty, lengthScale)
      if methods.count > 1 { return "Certainty on two moons (DUQ: \(duq))" }
      return methods[0] == .duq ? "DUQ, \(duq)" : "\(methods[0].title) on two moons"
    }

    /// The notebooks' settings with this command's overrides.
    var experiment: TwoMoonsExperiment {
      var experiment = TwoMoonsExperiment()
      experiment.seed = seed
      experiment.ensembleMembers = members
      experiment.certaintyMeasure = certainty
      experiment.duq.gradientPenaltyWeight = gradientPenalty
      experiment.duq.lengthScale = lengthScale
      return experiment
    }
  }

  /// The settings and every method's scores, as written to metrics.json.
  struct MoonsMetrics: Codable {
    var experiment: TwoMoonsExperiment
    var results: [MoonsResult]
  }

  /// How one trained method did.
  struct MoonsResult: Codable {
    var method: MoonsMethod
    var epochs: Int
    var seconds: Double
    var parameters: Int
    var trainAccuracy: Double
    var testAccuracy: Double
    /// What "certainty" means for this method.
    var certainty: String
    /// Mean certainty on the test points, which look like the training data.
    var meanCertaintyTest: Double
    /// Mean certainty on a circle of radius 5 around the moons, far from every training point.
    var meanCertaintyFar: Double

    init(
      method: MoonsMethod, model: any UncertaintyClassifier, epochs: Int, seconds: Double, train: TwoMoons, test: TwoMoons,
      certainty: String
    ) {
      self.method = method
      self.epochs = epochs
      self.seconds = seconds
      parameters = model.parameterCount
      trainAccuracy = model.accuracy(train.points, labels: train.labels)
      testAccuracy = model.accuracy(test.points, labels: test.labels)
      self.certainty = certainty
      meanCertaintyTest = model.predict(test.points).certainty.mean().item()
      meanCertaintyFar = model.predict(pointsFarFromMoons()).certainty.mean().item()
    }

    var summary: String {
      String(
        format: "%@: train accuracy %.3f  test accuracy %.3f  certainty on test %.3f, far away %.3f  %d parameters  %d epochs  %.1f s",
        method.rawValue, trainAccuracy, testAccuracy, meanCertaintyTest, meanCertaintyFar, parameters, epochs, seconds)
    }
  }
}
