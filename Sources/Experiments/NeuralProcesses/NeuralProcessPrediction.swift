import Datasets
import Foundation
import NeuralProcesses
import Plots
import Torch

/// What `np predict` was asked for: a curve model's predictive mean and std on a query grid,
/// from a user's (x, y) context points.
public struct NeuralProcessPredictionParameters: Sendable {
  /// The run folder (or its model.safetensors).
  public var checkpoint: String
  /// CSV of context points, x,y per line.
  public var context: String
  /// The query points (x, in the models' [−2, 2]).
  public var query: [Double]
  /// Output CSV (x,mean,std); the PNG is written next to it.
  public var out: String
  /// z samples for the predictive moments of latent models.
  public var samples = 32

  public init(checkpoint: String, context: String, query: [Double], out: String) {
    self.checkpoint = checkpoint
    self.context = context
    self.query = query
    self.out = out
  }

  /// Writes the predictions CSV and its figure; returns both files.
  public func predict() throws -> (csv: URL, figure: URL) {
    let grid = query
    let (run, model, _) = try NeuralProcessRun.load(checkpoint)
    guard run.images == nil else { throw ExperimentError("\(checkpoint) holds an image model; `np predict` takes 1-D curve models") }
    let points = try PointsCSV.read(URL(fileURLWithPath: context))
    warnOutsideTrainingRange(x: [("context points", points.x), ("query points", grid)], y: points.y)
    let scale = run.sampler.xScale
    let contextSet = PointSet(
      x: Tensor(points.x.map { $0 * scale }, shape: [1, points.x.count, 1]), y: Tensor(points.y, shape: [1, points.y.count, 1]))
    let queryX = Tensor(grid.map { $0 * scale }, shape: [1, grid.count, 1])
    let (mean, std) = model.predictiveMoments(context: contextSet, targetX: queryX, samples: samples)
    let means = mean.toArray(Double.self)
    let stds = std.toArray(Double.self)
    var csv = "x,mean,std\n"
    for i in grid.indices { csv += "\(grid[i]),\(means[i]),\(stds[i])\n" }
    let url = URL(fileURLWithPath: out)
    try csv.write(to: url, atomically: true, encoding: .utf8)
    let figure = Figure(width: 900, height: 500)
    let axes = figure.axes()
    axes.title = "\(run.model.kind.rawValue.uppercased()) prediction from \(points.x.count) context points"
    axes.band(x: grid, lower: zip(means, stds).map { $0 - 2 * $1 }, upper: zip(means, stds).map { $0 + 2 * $1 }, color: .blue, alpha: 0.25, label: "± 2σ")
    axes.line(x: grid, y: means, color: .blue, label: "mean")
    axes.scatter(x: points.x, y: points.y, color: .black, size: 7, label: "context")
    let png = url.deletingPathExtension().appendingPathExtension("png")
    try figure.write(to: png)
    return (url, png)
  }
}
