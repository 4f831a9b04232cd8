import Foundation

/// Axis scale.
public enum Scale: Sendable { case linear, log }

/// Stroke pattern of lines.
public enum LineStyle: Sendable { case solid, dashed, dotted, dashDot }

/// Where an axes draws its legend.
public enum LegendPosition: Sendable {
  /// The corner that covers the fewest data points.
  case best
  case upperRight, upperLeft, lowerLeft, lowerRight
  /// No legend even when elements have labels.
  case hidden
}

/// Which image row is drawn at the top.
public enum ImageOrigin: Sendable {
  /// Row 0 at the top (pictures, digit grids).
  case upper
  /// Row 0 at the bottom, at the lower y limit (grids built from ascending y, decision surfaces).
  case lower
}

/// Data extent of an image in axis coordinates.
public struct Extent: Sendable, Hashable {
  public var x: ClosedRange<Double>
  public var y: ClosedRange<Double>
  public init(x: ClosedRange<Double>, y: ClosedRange<Double>) {
    self.x = x
    self.y = y
  }
}

/// One plot panel: data elements, limits, ticks, labels and a legend.
///
/// Elements are recorded by the plotting calls and rasterised when the owning `Figure` renders,
/// so limits and layout can depend on everything plotted. Drawing order: images, then bars and
/// bands, then lines and rules, then scatter points and text, each group in call order.
public final class Axes {
  /// Panel title, drawn bold above the plot area.
  public var title: String?
  /// Label under the x axis.
  public var xLabel: String?
  /// Label left of the y axis (rotated); also shown on tickless image panels, as a row label.
  public var yLabel: String?
  /// Fixed x limits; nil chooses them from the data with `padding`.
  public var xLimits: ClosedRange<Double>?
  /// Fixed y limits; nil chooses them from the data with `padding`.
  public var yLimits: ClosedRange<Double>?
  public var xScale: Scale = .linear
  public var yScale: Scale = .linear
  /// Fraction of the data span added on each side by automatic limits.
  public var padding: Double = 0.05
  /// Light grid lines at the major ticks.
  public var grid = true
  /// Whether ticks and tick labels are drawn; nil hides them on panels showing a pixel image.
  public var showTicks: Bool?
  /// Whether the frame around the plot area is drawn.
  public var showFrame = true
  /// Legend placement (drawn only when some element has a label).
  public var legend: LegendPosition = .best
  /// Makes one x unit as long as one y unit on screen.
  public var equalAspect = false
  /// Background of the plot area.
  public var background: Color = .white

  enum Element {
    case line(x: [Double], y: [Double], color: Color, width: Double, style: LineStyle, label: String?)
    case band(x: [Double], lower: [Double], upper: [Double], color: Color, label: String?)
    case scatter(x: [Double], y: [Double], colors: [Color], size: Double, marker: Marker, edge: Color?, label: String?)
    case image(colors: [Color], columns: Int, rows: Int, extent: Extent?, origin: ImageOrigin, interpolation: Canvas.Interpolation)
    case rule(value: Double, vertical: Bool, color: Color, width: Double, style: LineStyle, label: String?)
    case bars(x: [Double], heights: [Double], bottoms: [Double], width: Double, color: Color, edge: Color?, label: String?)
    case text(String, x: Double, y: Double, color: Color, horizontal: HorizontalAlignment, vertical: VerticalAlignment)

    var layer: Int {
      switch self {
      case .image: 0
      case .bars, .band: 1
      case .line, .rule: 2
      case .scatter, .text: 3
      }
    }
  }

  var elements: [Element] = []
  var colorbarSpec: (colormap: Colormap, range: ClosedRange<Double>, label: String?)?
  var colorCycle = 0
  /// The plot area in canvas pixels, set when the figure renders.
  public internal(set) var plotRect: Rect?

  init() {}

  func nextColor() -> Color {
    defer { colorCycle += 1 }
    return Color.palette(colorCycle)
  }

  // MARK: Plotting calls

  /// A polyline through (x[i], y[i]); non-finite values break the line. Without a colour the
  /// next palette colour is used.
  public func line(
    x: [Double], y: [Double], color: Color? = nil, width: Double = 2, style: LineStyle = .solid, label: String? = nil
  ) {
    precondition(x.count == y.count, "line: x has \(x.count) values, y has \(y.count)")
    elements.append(.line(x: x, y: y, color: color ?? nextColor(), width: width, style: style, label: label))
  }

  /// A line against 0, 1, 2, ... (e.g. a curve over iterations).
  public func line(_ y: [Double], color: Color? = nil, width: Double = 2, style: LineStyle = .solid, label: String? = nil) {
    line(x: (0..<y.count).map(Double.init), y: y, color: color, width: width, style: style, label: label)
  }

  /// A filled band between `lower` and `upper` over `x` (e.g. mean ± 2σ), drawn translucent.
  public func band(
    x: [Double], lower: [Double], upper: [Double], color: Color? = nil, alpha: Double = 0.25, label: String? = nil
  ) {
    precondition(x.count == lower.count && x.count == upper.count, "band: x, lower and upper differ in length")
    elements.append(.band(x: x, lower: lower, upper: upper, color: (color ?? nextColor()).opacity(alpha), label: label))
  }

  /// Markers at (x[i], y[i]); `size` is the marker diameter in pixels.
  public func scatter(
    x: [Double], y: [Double], color: Color? = nil, size: Double = 8, marker: Marker = .circle,
    edgeColor: Color? = nil, label: String? = nil
  ) {
    precondition(x.count == y.count, "scatter: x has \(x.count) values, y has \(y.count)")
    elements.append(
      .scatter(x: x, y: y, colors: [color ?? nextColor()], size: size, marker: marker, edge: edgeColor, label: label))
  }

  /// Markers with one colour per point (e.g. coloured by class or by a colormap).
  public func scatter(
    x: [Double], y: [Double], colors: [Color], size: Double = 8, marker: Marker = .circle,
    edgeColor: Color? = nil, label: String? = nil
  ) {
    precondition(x.count == y.count && colors.count == x.count, "scatter: x, y and colors differ in length")
    elements.append(.scatter(x: x, y: y, colors: colors, size: size, marker: marker, edge: edgeColor, label: label))
  }

  /// Horizontal lines across the whole panel at each y.
  public func hlines(
    _ ys: [Double], color: Color = .darkGray, width: Double = 1.5, style: LineStyle = .dashed, label: String? = nil
  ) {
    for (i, y) in ys.enumerated() {
      elements.append(.rule(value: y, vertical: false, color: color, width: width, style: style, label: i == 0 ? label : nil))
    }
  }

  /// Vertical lines across the whole panel at each x.
  public func vlines(
    _ xs: [Double], color: Color = .darkGray, width: Double = 1.5, style: LineStyle = .dashed, label: String? = nil
  ) {
    for (i, x) in xs.enumerated() {
      elements.append(.rule(value: x, vertical: true, color: color, width: width, style: style, label: i == 0 ? label : nil))
    }
  }

  /// Vertical bars centred at `x` from `bottom` (default 0) to `bottom + height`.
  public func bar(
    x: [Double], height: [Double], width: Double? = nil, bottom: [Double]? = nil, color: Color? = nil,
    alpha: Double = 1, edgeColor: Color? = .white, label: String? = nil
  ) {
    precondition(x.count == height.count, "bar: x and height differ in length")
    let sorted = x.sorted()
    let gap = zip(sorted, sorted.dropFirst()).map { $1 - $0 }.filter { $0 > 0 }.min() ?? 1
    elements.append(
      .bars(
        x: x, heights: height, bottoms: bottom ?? [Double](repeating: 0, count: x.count), width: width ?? gap * 0.8,
        color: (color ?? nextColor()).opacity(alpha), edge: edgeColor, label: label))
  }

  /// A histogram of `values` in `bins` equal bins over `range` (default: the data range).
  /// `density` scales counts so the bars integrate to one. Returns the bin heights.
  @discardableResult
  public func histogram(
    _ values: [Double], bins: Int = 20, range: ClosedRange<Double>? = nil, density: Bool = false,
    color: Color? = nil, alpha: Double = 0.8, label: String? = nil
  ) -> [Double] {
    precondition(bins > 0, "histogram needs at least one bin")
    let finite = values.filter(\.isFinite)
    let lo = range?.lowerBound ?? finite.min() ?? 0
    var hi = range?.upperBound ?? finite.max() ?? 1
    if hi <= lo { hi = lo + 1 }
    let w = (hi - lo) / Double(bins)
    var counts = [Double](repeating: 0, count: bins)
    for v in finite where v >= lo && v <= hi { counts[min(bins - 1, Int((v - lo) / w))] += 1 }
    if density, !finite.isEmpty {
      let total = counts.reduce(0, +)
      counts = counts.map { $0 / (total * w) }
    }
    bar(
      x: (0..<bins).map { lo + (Double($0) + 0.5) * w }, height: counts, width: w, color: color, alpha: alpha,
      edgeColor: .white, label: label)
    return counts
  }

  /// A scalar image, `values[row][column]`, mapped through `colormap` over `range` (default:
  /// the finite min...max). NaN pixels are drawn in `missingColor` (unobserved pixels).
  /// Without `extent` the image is drawn pixel-exact in its own frame (row 0 at the top);
  /// with one it occupies that data rectangle (row 0 at the bottom by default).
  public func image(
    _ values: [[Double]], colormap: Colormap = .gray, range: ClosedRange<Double>? = nil, extent: Extent? = nil,
    origin: ImageOrigin? = nil, missingColor: Color = .unobserved, alpha: Double = 1,
    interpolation: Canvas.Interpolation = .nearest
  ) {
    let rows = values.count
    let columns = values.first?.count ?? 0
    precondition(rows > 0 && columns > 0 && values.allSatisfy { $0.count == columns }, "image rows must be non-empty and equal in length")
    image(values.flatMap { $0 }, shape: [rows, columns], colormap: colormap, range: range, extent: extent,
      origin: origin, missingColor: missingColor, alpha: alpha, interpolation: interpolation)
  }

  /// An image from flat row-major values with `shape` [rows, columns] (scalar, through
  /// `colormap`) or [rows, columns, 3] (RGB, each channel mapped from `range` to 0...1).
  public func image<T: BinaryFloatingPoint>(
    _ values: [T], shape: [Int], colormap: Colormap = .gray, range: ClosedRange<Double>? = nil,
    extent: Extent? = nil, origin: ImageOrigin? = nil, missingColor: Color = .unobserved, alpha: Double = 1,
    interpolation: Canvas.Interpolation = .nearest
  ) {
    precondition(shape.count == 2 || (shape.count == 3 && (shape[2] == 3 || shape[2] == 1)), "image shape must be [h, w], [h, w, 1] or [h, w, 3]")
    let rows = shape[0], columns = shape[1], channels = shape.count == 3 ? shape[2] : 1
    precondition(values.count == rows * columns * channels, "image has \(values.count) values, shape \(shape) needs \(rows * columns * channels)")
    let doubles = values.map { Double($0) }
    let finite = doubles.filter(\.isFinite)
    var lo = range?.lowerBound ?? (channels == 3 ? 0 : finite.min() ?? 0)
    var hi = range?.upperBound ?? (channels == 3 ? 1 : finite.max() ?? 1)
    if hi <= lo {
      lo -= 0.5
      hi += 0.5
    }
    var colors: [Color] = []
    colors.reserveCapacity(rows * columns)
    for i in 0..<(rows * columns) {
      if channels == 3 {
        let c = (0..<3).map { doubles[3 * i + $0] }
        if c.contains(where: { !$0.isFinite }) {
          colors.append(missingColor)
        } else {
          let t = c.map { min(max(($0 - lo) / (hi - lo), 0), 1) }
          colors.append(Color(red: t[0], green: t[1], blue: t[2], alpha: alpha))
        }
      } else {
        let v = doubles[i]
        colors.append(v.isFinite ? colormap.color(at: (v - lo) / (hi - lo)).opacity(alpha) : missingColor)
      }
    }
    elements.append(
      .image(colors: colors, columns: columns, rows: rows, extent: extent, origin: origin ?? (extent == nil ? .upper : .lower),
        interpolation: interpolation))
  }

  /// A colour scale bar right of the plot area, for an image drawn with the same colormap and range.
  public func colorbar(colormap: Colormap, range: ClosedRange<Double>, label: String? = nil) {
    colorbarSpec = (colormap, range, label)
  }

  /// Text at data coordinates (x, y).
  public func text(
    _ string: String, x: Double, y: Double, color: Color = .black, horizontal: HorizontalAlignment = .left,
    vertical: VerticalAlignment = .center
  ) {
    elements.append(.text(string, x: x, y: y, color: color, horizontal: horizontal, vertical: vertical))
  }

  // MARK: Limits

  /// A pixel image without an extent puts the panel into image mode: exact limits, equal
  /// aspect, y pointing down, no ticks.
  var pixelImage: (columns: Int, rows: Int)? {
    for case .image(_, let columns, let rows, nil, _, _) in elements { return (columns, rows) }
    return nil
  }

  var ticksVisible: Bool { showTicks ?? (pixelImage == nil) }

  /// Data limits actually used: explicit ones, or the data range padded by `padding` on each
  /// side, never padding past a "sticky" value such as a bar's base or an image's edge.
  func resolvedLimits() -> (x: (Double, Double), y: (Double, Double)) {
    if let p = pixelImage, xLimits == nil, yLimits == nil {
      return ((0, Double(p.columns)), (0, Double(p.rows)))
    }
    var xs: [Double] = [], ys: [Double] = []
    var stickyX: [Double] = [], stickyY: [Double] = []
    for e in elements {
      switch e {
      case .line(let x, let y, _, _, _, _):
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite {
          xs.append(a)
          ys.append(b)
        }
      case .band(let x, let lo, let hi, _, _):
        for i in x.indices where x[i].isFinite {
          xs.append(x[i])
          if lo[i].isFinite { ys.append(lo[i]) }
          if hi[i].isFinite { ys.append(hi[i]) }
        }
      case .scatter(let x, let y, _, _, _, _, _):
        for (a, b) in zip(x, y) where a.isFinite && b.isFinite {
          xs.append(a)
          ys.append(b)
        }
      case .image(_, let columns, let rows, let extent, _, _):
        let ex = extent ?? Extent(x: 0...Double(columns), y: 0...Double(rows))
        xs += [ex.x.lowerBound, ex.x.upperBound]
        ys += [ex.y.lowerBound, ex.y.upperBound]
        stickyX += [ex.x.lowerBound, ex.x.upperBound]
        stickyY += [ex.y.lowerBound, ex.y.upperBound]
      case .rule(let v, let vertical, _, _, _, _):
        if v.isFinite { if vertical { xs.append(v) } else { ys.append(v) } }
      case .bars(let x, let heights, let bottoms, let width, _, _, _):
        for i in x.indices where x[i].isFinite && heights[i].isFinite {
          xs += [x[i] - width / 2, x[i] + width / 2]
          ys += [bottoms[i], bottoms[i] + heights[i]]
          stickyY.append(bottoms[i])
        }
      case .text(_, let x, let y, _, _, _):
        xs.append(x)
        ys.append(y)
      }
    }
    let x = xLimits.map { ($0.lowerBound, $0.upperBound) } ?? autoLimits(xs, sticky: stickyX, scale: xScale)
    let y = yLimits.map { ($0.lowerBound, $0.upperBound) } ?? autoLimits(ys, sticky: stickyY, scale: yScale)
    return (x, y)
  }

  func autoLimits(_ values: [Double], sticky: [Double], scale: Scale) -> (Double, Double) {
    let log = scale == .log
    let vs = values.filter { $0.isFinite && (!log || $0 > 0) }.map { log ? log10($0) : $0 }
    guard var lo = vs.min(), var hi = vs.max() else { return log ? (1, 10) : (0, 1) }
    if hi == lo {
      let d = lo == 0 ? 1 : abs(lo) * 0.1
      lo -= d
      hi += d
    }
    let pad = (hi - lo) * padding
    var plo = lo - pad, phi = hi + pad
    for s0 in sticky where s0.isFinite && (!log || s0 > 0) {
      let s = log ? log10(s0) : s0
      if s <= lo && s > plo { plo = s }
      if s >= hi && s < phi { phi = s }
    }
    return log ? (pow(10, plo), pow(10, phi)) : (plo, phi)
  }
}
