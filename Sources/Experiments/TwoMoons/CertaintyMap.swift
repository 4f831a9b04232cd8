import Plots
import Torch
import Uncertainty

/// A regular grid over a rectangle of the plane, for drawing a classifier's certainty as a heatmap.
public struct PlaneGrid: Sendable {
  public var x: ClosedRange<Double>
  public var y: ClosedRange<Double>
  public var columns: Int
  public var rows: Int

  public init(x: ClosedRange<Double>, y: ClosedRange<Double>, columns: Int, rows: Int) {
    precondition(columns >= 2 && rows >= 2, "a grid needs at least 2 × 2 points")
    self.x = x
    self.y = y
    self.columns = columns
    self.rows = rows
  }

  /// The view of the DUQ notebook's figure (x ∈ [−2.5, 3.5], y ∈ [−3, 3]), wide enough to see
  /// certainty fall away from the moons.
  public static let twoMoons = PlaneGrid(x: -2.5...3.5, y: -3...3, columns: 150, rows: 150)

  /// Grid points [rows · columns, 2] (float32), row by row from the lowest y up.
  public var points: Tensor {
    var values: [Float] = []
    values.reserveCapacity(2 * rows * columns)
    for r in 0..<rows {
      for c in 0..<columns {
        values.append(Float(Self.step(x, c, columns)))
        values.append(Float(Self.step(y, r, rows)))
      }
    }
    return Tensor(values, shape: [rows * columns, 2])
  }

  /// The data rectangle the heatmap covers: each value fills the cell centred on its grid point.
  public var extent: Extent {
    let dx = (x.upperBound - x.lowerBound) / Double(columns - 1) / 2
    let dy = (y.upperBound - y.lowerBound) / Double(rows - 1) / 2
    return Extent(x: (x.lowerBound - dx)...(x.upperBound + dx), y: (y.lowerBound - dy)...(y.upperBound + dy))
  }

  private static func step(_ range: ClosedRange<Double>, _ i: Int, _ n: Int) -> Double {
    range.lowerBound + (range.upperBound - range.lowerBound) * Double(i) / Double(n - 1)
  }
}

/// Draws `model`'s certainty over `grid` as a heatmap (0...1, viridis) on `axes`, with labelled
/// points [n, 2] overlaid, one colour per class.
public func drawCertainty(
  of model: any UncertaintyClassifier, over grid: PlaneGrid, points: Tensor, labels: Tensor, on axes: Axes,
  title: String
) {
  let certainty = model.predict(grid.points).certainty.toArray(Double.self)
  axes.image(certainty, shape: [grid.rows, grid.columns], colormap: .viridis, range: 0...1, extent: grid.extent, origin: .lower)
  let xy = points.toArray(Double.self)
  let classes = labels.toArray(Int.self)
  for c in Set(classes).sorted() {
    let members = classes.indices.filter { classes[$0] == c }
    axes.scatter(
      x: members.map { xy[2 * $0] }, y: members.map { xy[2 * $0 + 1] }, color: Color.palette(c), size: 4,
      edgeColor: .white, label: "class \(c)")
  }
  axes.title = title
  axes.xLimits = grid.extent.x
  axes.yLimits = grid.extent.y
  axes.equalAspect = true
  axes.grid = false
  axes.legend = .hidden
}
