import Datasets
import Foundation
import GaussianProcesses
import Plots
import Torch

/// What `gp fit` was asked for: kernel hyperparameters fitted to a user's (x, y) CSV.
public struct GaussianProcessFitParameters: Sendable {
  /// CSV of x,y rows.
  public var data: String
  public var kernel: KernelFamily = .eq
  /// Period of the periodic kernel (kept fixed).
  public var period = 1.0
  /// The output folder.
  public var out: String
  /// Prediction grid points.
  public var points = 400

  public init(data: String, out: String) {
    self.data = data
    self.out = out
  }

  /// Fits the GP by maximising the marginal likelihood; writes fit.json, predictions.csv and
  /// fit.png into `out`.
  public func fit() throws -> GaussianProcessFitResult {
    let (xs, ys) = try PointsCSV.read(URL(fileURLWithPath: data))
    guard xs.count >= 2 else { throw ExperimentError("\(data): fitting a GP needs at least 2 points, found \(xs.count)") }
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
    let result = GaussianProcessFitResult(
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
    return result
  }
}

/// What `gp fit` writes to fit.json and prints.
public struct GaussianProcessFitResult: Codable, Sendable {
  public var kernel: String
  public var lengthscale: Double
  public var scale: Double
  public var period: Double?
  public var noiseVariance: Double
  public var logMarginalLikelihood: Double
  public var points: Int
}
