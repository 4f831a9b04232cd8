import ImageData
import NN
import NeuralProcesses
import Plots
import Torch

extension NeuralProcess {
  /// The ANP paper's completion figure: for each image and context selection a row of the
  /// context (unobserved pixels in a neutral colour), predicted mean, predicted std, three
  /// samples for latent models (the decoder mean under one z each), and the ground truth.
  public func completionFigure(
    images: Tensor, selections: [(name: String, selection: ContextSelection)], scale: IntensityScale = .centred,
    samples: Int = 16, title: String
  ) -> Figure {
    let drawsShown = configuration.kind.hasLatentPath ? 3 : 0
    let columns = ["context", "mean", "std"] + (0..<drawsShown).map { "sample \($0 + 1)" } + ["truth"]
    let rows = images.size(0) * selections.count
    let figure = Figure(width: 130 * columns.count + 120, height: 130 * rows + 70, fontScale: 1)
    figure.title = title
    let grid = figure.panels(rows: rows, columns: columns.count)
    let (height, width) = (images.size(2), images.size(3))
    eval()
    for image in 0..<images.size(0) {
      for (s, entry) in selections.enumerated() {
        let row = image * selections.count + s
        let tasks = PixelTaskBatch(images: images[image..<(image + 1)], context: entry.selection, scale: scale)
        let (c, t) = (tasks.context, tasks.target)
        let panels: [Tensor] = withNoGrad {
          let predictions = samplePredictions(context: c, targetX: t.x, samples: samples)
          let moments = Self.mixtureMoments(predictions)
          let draws = predictions.prefix(drawsShown).map(\.mean)
          let toImage = { (pixels: Tensor) in PixelGrid.images(fromPixels: pixels, height: height, width: width, scale: scale) }
          return [tasks.contextImages(fill: .nan), toImage(moments.mean), moments.std.reshape([1, 1, height, width])]
            + draws.map(toImage) + [images[image..<(image + 1)]]
        }
        for (column, panel) in panels.enumerated() {
          let axes = grid[row][column]
          let isStd = column == 2
          axes.image(panel.toArray(Double.self), shape: [height, width], colormap: isStd ? .viridis : .gray,
                     range: isStd ? 0...0.5 : 0...1)
          axes.showTicks = false
          if row == 0 { axes.title = columns[column] }
          if column == 0 { axes.yLabel = entry.name }
        }
      }
    }
    return figure
  }

  /// Super-resolution figure: each image given at 28×28 predicted on 56×56 and 112×112 grids,
  /// and its 14×14 version upsampled to 28×28 by the model and by bilinear interpolation.
  public func superResolutionFigure(images: Tensor, scale: IntensityScale = .centred, samples: Int = 16, title: String) -> Figure {
    let columns = ["given 28×28", "model 56×56", "model 112×112", "given 14×14", "bilinear 28×28", "model 28×28", "truth 28×28"]
    let figure = Figure(width: 150 * columns.count, height: 160 * images.size(0) + 70, fontScale: 1)
    figure.title = title
    let grid = figure.panels(rows: images.size(0), columns: columns.count)
    eval()
    for index in 0..<images.size(0) {
      let truth = images[index..<(index + 1)]
      let low = interpolate(truth, size: (14, 14), mode: .bilinear(alignCorners: true))
      let upsample = { (given: Tensor, size: Int) -> Tensor in
        let context = PixelTaskBatch(images: given, context: .all, scale: scale).context
        let query = PixelGrid.coordinates(batch: 1, height: size, width: size)
        let mean = withNoGrad { self.predictiveMoments(context: context, targetX: query, samples: samples).mean }
        return PixelGrid.images(fromPixels: mean, height: size, width: size, scale: scale).clamp(min: 0, max: 1)
      }
      let panels = [
        truth, upsample(truth, 56), upsample(truth, 112), low,
        interpolate(low, size: (28, 28), mode: .bilinear(alignCorners: true)), upsample(low, 28), truth,
      ]
      for (column, panel) in panels.enumerated() {
        let axes = grid[index][column]
        axes.image(panel.toArray(Double.self), shape: [panel.size(2), panel.size(3)], colormap: .gray, range: 0...1)
        axes.showTicks = false
        if index == 0 { axes.title = columns[column] }
      }
    }
    return figure
  }
}
