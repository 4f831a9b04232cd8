import ArgumentParser
import Experiments
import GaussianProcesses
import Torch

struct GaussianProcessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gp", abstract: "Exact Gaussian-process regression.", subcommands: [Fit.self])

  struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Fit kernel hyperparameters to an (x, y) CSV by maximising the marginal likelihood; writes fit.json, predictions.csv and fit.png.")

    @Option(help: "CSV of x,y rows (a header line is allowed).") var data: String
    @Option(help: "eq, matern52, matern32 or periodic.") var kernel: KernelFamily = .eq
    @Option(help: "Period of the periodic kernel (kept fixed).") var period = 1.0
    @Option(help: "Output folder.") var out: String
    @Option(help: "Prediction grid points.") var points = 400

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      var parameters = GaussianProcessFitParameters(data: data, out: out)
      (parameters.kernel, parameters.period, parameters.points) = (kernel, period, points)
      print(jsonLine(try parameters.fit()))
    }
  }
}
