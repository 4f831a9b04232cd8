import ArgumentParser
import Datasets
import Foundation
import GaussianProcesses
import Plots
import Torch

extension KernelFamily: ExpressibleByArgument {}

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
      let (xs, ys) = try PointsCSV.read(URL(fileURLWithPath: data))
      guard xs.count >= 2 else { throw UsageError("\(data): fitting a GP needs at least 2 points, found \(xs.count)") }
      let x = Tensor(xs, shape: [1, xs.count, 1], dtype: .float64)
      let y = Tensor(ys, shape: [1, ys.count, 1], dtype: .float64)
      let (process, lml) = GaussianProcess.fit(x: x, y: y, family: kernel, period: period)
      let (low, high) = (xs.min()!, xs.max()!)
      let margin = 0.1 * max(high - low, 1e-3)
      let grid = (0..<points).map { low - margin + (high - low + 2 * margin) * Double($0) / Double(points - 1) }
      let (mean, variance) = process.posterior(x: x, y: y, query: Tensor(grid, shape: [1, points, 1], dtype: .float64))
      let means = mean.toArray(Double.self)
      let stds = (variance + process.noiseVariance).sqrt().toArray(Double.self)

      let folder = URL(fileURLWithPath: out, isDirectory: true)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let result = FitResult(
        kernel: kernel.rawValue, lengthscale: process.kernel.lengthscale, scale: process.kernel.scale,
        period: kernel == .periodic ? period : nil, noiseVariance: process.noiseVariance, logMarginalLikelihood: lml,
        points: xs.count)
      try writeJSON(result, to: folder.appendingPathComponent("fit.json"))
      var csv = "x,mean,std\n"
      for i in grid.indices { csv += "\(grid[i]),\(means[i]),\(stds[i])\n" }
      try csv.write(to: folder.appendingPathComponent("predictions.csv"), atomically: true, encoding: .utf8)
      let figure = Figure(width: 900, height: 500)
      let axes = figure.axes()
      axes.title = String(format: "GP (%@): l = %.3g, σ_f = %.3g, σ_n² = %.3g", kernel.rawValue, process.kernel.lengthscale, process.kernel.scale, process.noiseVariance)
      axes.band(x: grid, lower: zip(means, stds).map { $0 - 2 * $1 }, upper: zip(means, stds).map { $0 + 2 * $1 }, color: .green, alpha: 0.25, label: "± 2σ")
      axes.line(x: grid, y: means, color: .green, label: "posterior mean")
      axes.scatter(x: xs, y: ys, color: .black, size: 6, label: "data")
      try figure.write(to: folder.appendingPathComponent("fit.png"))
      print(jsonLine(result))
    }
  }

  struct FitResult: Codable {
    var kernel: String
    var lengthscale: Double
    var scale: Double
    var period: Double?
    var noiseVariance: Double
    var logMarginalLikelihood: Double
    var points: Int
  }
}
