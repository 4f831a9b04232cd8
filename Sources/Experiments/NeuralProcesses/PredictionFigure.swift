import Datasets
import Foundation
import GaussianProcesses
import NeuralProcesses
import Plots
import Torch

extension NeuralProcess {
  /// Predictions on 1-D test tasks for several context sizes: the model's mean ± 2σ against
  /// the GP oracle's, with the context points and the true function (like the ANP paper's Figure 3).
  public func predictionFigure(
    sampler: GPCurveSampler, contextSizes: [Int] = [5, 10, 20, 40], title: String, seed: UInt64 = 1234
  ) -> Figure {
    let figure = Figure(width: 400 * contextSizes.count, height: 420, fontScale: 2)
    figure.title = title
    let panels = figure.panels(rows: 1, columns: contextSizes.count)[0]
    Torch.manualSeed(seed)
    let batch = sampler.sample(batchSize: 1, training: false)
    let order = Tensor.randperm(batch.target.counts[0]).toArray(Int.self)
    let gridX = Tensor.linspace(-2 * sampler.xScale, 2 * sampler.xScale, steps: 300, dtype: .float64).reshape(1, 300, 1)
    let grid = gridX.toArray(Double.self)
    let (sortedX, sortedOrder) = batch.target.x[0, .all, 0].sorted()
    let trueX = sortedX.toArray(Double.self)
    let trueY = batch.target.y[0, .all, 0].indexSelect(dim: 0, index: sortedOrder).toArray(Double.self)
    eval()
    for (axes, size) in zip(panels, contextSizes) {
      let index = Tensor(Array(order.prefix(size)))
      let context = PointSet(
        x: batch.target.x.indexSelect(dim: 1, index: index), y: batch.target.y.indexSelect(dim: 1, index: index))
      let prediction = withNoGrad {
        let z = configuration.kind.hasLatentPath ? latentDistribution(context.to(.float32))!.mean : nil
        return predict(context: context.to(.float32), targetX: gridX.to(.float32), z: z)
      }
      let mean = prediction.mean.toArray(Double.self)
      let std = prediction.std.toArray(Double.self)
      let gp = GaussianProcess(kernel: batch.kernels[0], noiseVariance: batch.noiseVariance)
      let posterior = gp.posterior(x: context.x, y: context.y, query: gridX)
      let gpMean = posterior.mean.toArray(Double.self)
      let gpStd = (posterior.variance + batch.noiseVariance).sqrt().toArray(Double.self)
      axes.title = "\(size) context points"
      axes.xLabel = "x"
      axes.line(x: trueX, y: trueY, color: .green, width: 1.5, style: .dotted, label: "true function")
      axes.band(x: grid, lower: zip(gpMean, gpStd).map { $0 - 2 * $1 }, upper: zip(gpMean, gpStd).map { $0 + 2 * $1 }, color: .gray, alpha: 0.12)
      axes.line(x: grid, y: gpMean, color: .darkGray, width: 1.5, style: .dashed, label: "GP oracle")
      axes.band(x: grid, lower: zip(mean, std).map { $0 - 2 * $1 }, upper: zip(mean, std).map { $0 + 2 * $1 }, color: .blue, alpha: 0.25)
      axes.line(x: grid, y: mean, color: .blue, width: 2, label: configuration.kind.rawValue.uppercased() + " ± 2σ")
      axes.scatter(x: context.x.toArray(Double.self), y: context.y.toArray(Double.self), color: .black, size: 7, label: "context")
    }
    return figure
  }
}
