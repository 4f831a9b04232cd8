import Foundation
import Plots
import SemiSupervised
import Torch

extension FlowGMMEvaluation {
  /// The view of the two-moons panels: the moons span x ∈ [−1, 2], y ∈ [−0.5, 1].
  static let moonsGrid = PlaneGrid(x: -1.5...2.5, y: -1...1.5, columns: 200, rows: 125)

  /// The paper's Figure 1 for a trained two-moons run, three panels: (a) the data with the
  /// decision regions (p(y = 1 | x) as a blue–red map, the boundary where it crosses ½),
  /// labelled points as triangles and unlabelled ones as small dots (the test points for the
  /// labels-only flow, which has none); (b) those points mapped to the latent space, f(x),
  /// coloured by predicted class, with each class Gaussian's 1σ and 2σ circles around its
  /// mean; (c) samples of the model in the data space, x = f⁻¹(z), z drawn from the mixture.
  static func twoMoonsFigure(_ model: FlowGMM, run: FlowGMMRun, data: FlowGMMRun.Examples) -> Figure {
    let figure = Figure(width: 1_650, height: 560)
    figure.title = "\(run.title) on two moons: \(run.labels) labels, \(run.unlabelled) unlabelled, seed \(run.seed)"
    let panels = figure.panels(rows: 1, columns: 3)[0]
    let grid = moonsGrid
    let wasTraining = model.isTraining
    model.eval()
    defer { model.train(wasTraining) }

    let regions = panels[0]
    let posterior = withNoGrad { model(grid.points).softmax(dim: 1).select(dim: 1, index: 1) }.to(.float64).toArray(Double.self)
    regions.image(posterior, shape: [grid.rows, grid.columns], colormap: .blueRed, range: 0...1, extent: grid.extent, origin: .lower, alpha: 0.6)
    let dots = data.unlabelledPoints.size(0) > 0 ? data.unlabelledPoints : data.testPoints
    scatterPoints(dots, on: regions, color: .darkGray, size: 3, marker: .circle)
    scatterClasses(data.labelledPoints, data.labelledLabels, on: regions, size: 14, marker: .triangle)
    regions.title = "(a) decision regions, p(y = 1 | x)" + (data.unlabelledPoints.size(0) > 0 ? "" : "; test points")
    regions.xLimits = grid.extent.x
    regions.yLimits = grid.extent.y
    regions.equalAspect = true
    regions.grid = false
    regions.legend = .hidden

    let latent = panels[1]
    let allPoints = Tensor.cat([data.labelledPoints, dots])
    let z = withNoGrad { model.flow.forward(allPoints).output }
    let means = model.prior.means.detach().to(.float64).toArray(Double.self)
    let predicted = model.predict(allPoints)
    scatterClasses(z, predicted, on: latent, size: 3, marker: .circle, alpha: 0.5)
    let zLabelled = withNoGrad { model.flow.forward(data.labelledPoints).output }
    scatterClasses(zLabelled, data.labelledLabels, on: latent, size: 14, marker: .triangle)
    for k in 0..<model.classes {
      for radius in [1.0, 2.0] {
        let angles = (0...100).map { 2 * Double.pi * Double($0) / 100 }
        latent.line(
          x: angles.map { means[2 * k] + radius * cos($0) }, y: angles.map { means[2 * k + 1] + radius * sin($0) },
          color: Color.palette(k), width: 2, style: radius == 1 ? .solid : .dashed)
      }
    }
    latent.title = "(b) latent space f(x), class Gaussians (1σ, 2σ)"
    latent.equalAspect = true
    latent.legend = .hidden

    let samples = panels[2]
    let draws = withNoGrad { model.flow.inverse(model.prior.sample(1_000)) }
    scatterPoints(draws, on: samples, color: .purple, size: 3, marker: .circle)
    samples.title = "(c) samples x = f^-1(z), z from the mixture"
    samples.xLimits = grid.extent.x
    samples.yLimits = grid.extent.y
    samples.equalAspect = true
    samples.legend = .hidden
    return figure
  }

  static func scatterPoints(_ points: Tensor, on axes: Axes, color: Color, size: Double, marker: Marker) {
    guard points.size(0) > 0 else { return }
    let xy = points.to(.float64).toArray(Double.self)
    axes.scatter(
      x: stride(from: 0, to: xy.count, by: 2).map { xy[$0] }, y: stride(from: 1, to: xy.count, by: 2).map { xy[$0] },
      color: color, size: size, marker: marker)
  }

  static func scatterClasses(
    _ points: Tensor, _ labels: Tensor, on axes: Axes, size: Double, marker: Marker, alpha: Double = 1
  ) {
    let xy = points.to(.float64).toArray(Double.self)
    let classes = labels.toArray(Int.self)
    for c in Set(classes).sorted() {
      let members = classes.indices.filter { classes[$0] == c }
      axes.scatter(
        x: members.map { xy[2 * $0] }, y: members.map { xy[2 * $0 + 1] }, color: Color.palette(c).opacity(alpha),
        size: size, marker: marker, edgeColor: marker == .triangle ? .black : nil, label: "class \(c)")
    }
  }

  /// `perClass` class-conditional samples x = f⁻¹(μ_k + T ε) of every class k at temperature T,
  /// one row a class, as one grayscale mosaic (pixels clamped to [0, 1], white gaps).
  static func classConditionalSamples(_ model: FlowGMM, run: FlowGMMRun, temperature: Double, perClass: Int) -> Figure {
    let (side, gap) = (28, 2)
    let rows = model.classes
    let height = rows * side + (rows + 1) * gap
    let width = perClass * side + (perClass + 1) * gap
    var mosaic = [Double](repeating: 1, count: height * width)
    for k in 0..<rows {
      let images = model.sample(perClass, class: k, temperature: temperature).clamp(min: 0, max: 1).to(.float64).toArray(Double.self)
      for i in 0..<perClass {
        for r in 0..<side {
          for c in 0..<side {
            mosaic[(gap + k * (side + gap) + r) * width + gap + i * (side + gap) + c] = images[(i * side + r) * side + c]
          }
        }
      }
    }
    let figure = Figure(width: Swift.max(600, 3 * width), height: 3 * height + 90)
    let axes = figure.axes()
    axes.image(mosaic, shape: [height, width], colormap: .gray, range: 0...1)
    axes.title = "\(run.title) on \(run.dataset.rawValue), \(run.labels) labels: samples at T = \(temperature), a row a class (0 at the top)"
    return figure
  }
}
