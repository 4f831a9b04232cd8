import Foundation

/// A raster figure holding a grid of `Axes` panels, rendered to PNG.
///
/// ```swift
/// let figure = Figure(width: 900, height: 500)
/// let ax = figure.axes()
/// ax.band(x: xs, lower: lo, upper: hi, color: .blue, label: "±2σ")
/// ax.line(x: xs, y: mean, color: .blue, label: "mean")
/// ax.scatter(x: cx, y: cy, color: .black, label: "context")
/// try figure.write(to: URL(fileURLWithPath: "out.png"))
/// ```
public final class Figure {
  public let width: Int
  public let height: Int
  /// Figure background colour.
  public var background: Color = .white
  /// Title above all panels (bold, one size larger).
  public var title: String?
  /// Integer text scale: 1 draws the 5×7 glyphs at one pixel per font pixel; 2 suits figures
  /// of roughly 600–1600 pixels across.
  public var fontScale: Int
  /// Extra pixels between neighbouring panels (default: 4 × `fontScale`).
  public var panelSpacing: Double?
  /// The panel grid, row by row.
  public private(set) var grid: [[Axes]] = []

  /// An empty figure of the given pixel size.
  public init(width: Int = 800, height: Int = 600, fontScale: Int = 2) {
    precondition(width > 0 && height > 0, "figure size must be positive")
    self.width = width
    self.height = height
    self.fontScale = max(1, fontScale)
  }

  /// Replaces the panels with a `rows × columns` grid and returns it (`grid[row][column]`).
  @discardableResult
  public func panels(rows: Int, columns: Int) -> [[Axes]] {
    precondition(rows > 0 && columns > 0, "a panel grid needs at least one row and column")
    grid = (0..<rows).map { _ in (0..<columns).map { _ in Axes() } }
    return grid
  }

  /// A single panel filling the figure (creating it on first use).
  public func axes() -> Axes {
    if grid.isEmpty { panels(rows: 1, columns: 1) }
    return grid[0][0]
  }

  /// Draws the figure on a new canvas.
  public func render() -> Canvas {
    let canvas = Canvas(width: width, height: height, background: background)
    let s = fontScale
    let sd = Double(s)
    let outer = 3 * sd
    var top = outer
    if let title, !title.isEmpty {
      canvas.drawText(
        title, at: Point(Double(width) / 2, top), scale: s + 1, color: .black, horizontal: .center, vertical: .top, bold: true)
      top += Double(BitmapFont.cellHeight * (s + 1)) + 2 * sd
    }
    guard !grid.isEmpty else { return canvas }
    let rows = grid.count, columns = grid[0].count
    let spacing = panelSpacing ?? 4 * sd
    let cellW = (Double(width) - 2 * outer - spacing * Double(columns - 1)) / Double(columns)
    let cellH = (Double(height) - top - outer - spacing * Double(rows - 1)) / Double(rows)

    // Margins each panel needs; then aligned per row (top, bottom) and column (left, right)
    // so plot areas line up across the grid.
    var needs = grid.map { $0.map { $0.margins(cellWidth: cellW, cellHeight: cellH, scale: s) } }
    var leftMax = [Double](repeating: 0, count: columns), rightMax = leftMax
    var topMax = [Double](repeating: 0, count: rows), bottomMax = topMax
    for r in 0..<rows {
      for c in 0..<columns {
        let m = needs[r][c]
        leftMax[c] = max(leftMax[c], m.left)
        rightMax[c] = max(rightMax[c], m.right)
        topMax[r] = max(topMax[r], m.top)
        bottomMax[r] = max(bottomMax[r], m.bottom)
      }
    }
    var areas: [(Axes, Rect)] = []
    for r in 0..<rows {
      for c in 0..<columns {
        needs[r][c] = Margins(
          left: leftMax[c], right: rightMax[c] + needs[r][c].colorbar, top: topMax[r], bottom: bottomMax[r])
        let cellX = outer + Double(c) * (cellW + spacing)
        let cellY = top + Double(r) * (cellH + spacing)
        let m = needs[r][c]
        let x0 = (cellX + m.left).rounded(), y0 = (cellY + m.top).rounded()
        let x1 = (cellX + cellW - m.right).rounded(), y1 = (cellY + cellH - m.bottom).rounded()
        areas.append((grid[r][c], Rect(x: x0, y: y0, width: max(1, x1 - x0), height: max(1, y1 - y0))))
      }
    }
    // Pixel images share one magnification (the largest every panel can hold), so a grid of
    // same-sized images shows them at the same size even where titles take extra room.
    let magnification = areas.compactMap { axes, area -> Double? in
      guard let p = axes.pixelImage, axes.xLimits == nil, axes.yLimits == nil else { return nil }
      return min(area.width / Double(p.columns), area.height / Double(p.rows))
    }.min()
    for (axes, area) in areas { axes.draw(on: canvas, in: area, scale: s, magnification: magnification) }
    return canvas
  }

  /// PNG bytes of the rendered figure.
  public func pngData() -> Data { render().pngData() }

  /// Renders the figure and writes it as a PNG file, creating the parent directory if needed.
  public func write(to url: URL) throws {
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try render().write(to: url)
  }
}

/// Space around a plot area, in pixels.
struct Margins {
  var left: Double
  var right: Double
  var top: Double
  var bottom: Double
  /// Room for a colour bar; not aligned across the column, so only its own panel narrows.
  var colorbar: Double = 0
}

/// Maps data coordinates to canvas pixels for one panel.
struct Transform {
  var rect: Rect
  var x: (Double, Double)
  var y: (Double, Double)
  var xLog: Bool
  var yLog: Bool
  var yDown: Bool

  func px(_ v: Double) -> Double {
    let (a, b, t) = xLog ? (log10(x.0), log10(x.1), log10(v)) : (x.0, x.1, v)
    return rect.minX + (t - a) / (b - a) * rect.width
  }

  func py(_ v: Double) -> Double {
    let (a, b, t) = yLog ? (log10(y.0), log10(y.1), log10(v)) : (y.0, y.1, v)
    let f = (t - a) / (b - a)
    return yDown ? rect.minY + f * rect.height : rect.maxY - f * rect.height
  }

  func point(_ x: Double, _ y: Double) -> Point { Point(px(x), py(y)) }
}

extension LineStyle {
  /// Dash pattern (pixels) for a line of width `w`; round caps add `w` to every dash.
  func pattern(width w: Double) -> [Double]? {
    let u = max(w, 1.2)
    switch self {
    case .solid: return nil
    case .dashed: return [3 * u, 2.6 * u]
    case .dotted: return [0.01, 2.2 * u]
    case .dashDot: return [3 * u, 2 * u, 0.01, 2 * u]
    }
  }
}

extension Axes {
  // Layout constants in units of the font scale.
  static func tickLength(_ s: Int) -> Double { Double(2 * s + 1) }

  /// Chosen ticks and their labels along one axis.
  struct AxisTicks {
    var values: [Double]
    var labels: [String]
    var maxLabelWidth: Double
  }

  /// Ticks for an axis of `length` pixels: the densest nice set whose labels keep clear of
  /// each other, capped so the axis is not crowded.
  func ticks(lower: Double, upper: Double, log: Bool, length: Double, horizontal: Bool, scale s: Int) -> AxisTicks {
    let sd = Double(s)
    let textH = Double(BitmapFont.cellHeight * s)
    var count = max(2, min(10, Int(length / (horizontal ? 35 * sd : 28 * sd)) + 1))
    while true {
      let values: [Double]
      let labels: [String]
      if log {
        values = Ticks.logarithmic(lower: lower, upper: upper, maxCount: count)
        labels = Ticks.logLabels(values)
      } else {
        values = Ticks.nice(lower: lower, upper: upper, maxCount: count)
        labels = Ticks.labels(values)
      }
      let widths = labels.map { Canvas.textSize($0, scale: s).width }
      let maxW = widths.max() ?? 0
      // Pixel positions along the axis, to test for label collisions.
      let pos = values.map { v -> Double in
        let (a, b, t) = log ? (log10(lower), log10(upper), log10(v)) : (lower, upper, v)
        return (t - a) / (b - a) * length
      }
      var fits = true
      for i in 1..<max(1, values.count) {
        let gap = abs(pos[i] - pos[i - 1])
        let need = horizontal ? (widths[i] + widths[i - 1]) / 2 + 4 * sd : textH + 2 * sd
        if gap < need { fits = false }
      }
      if fits || count <= 2 { return AxisTicks(values: values, labels: labels, maxLabelWidth: maxW) }
      count -= 1
    }
  }

  /// Margins this panel needs inside a grid cell of the given size.
  func margins(cellWidth: Double, cellHeight: Double, scale s: Int) -> Margins {
    let sd = Double(s)
    let textH = Double(BitmapFont.cellHeight * s)
    let capH = Double(BitmapFont.ascent * s)
    let ticksOn = ticksVisible
    let tick = Self.tickLength(s)
    var top = 3 * sd
    if let title, !title.isEmpty { top += textH + 2 * sd }
    var bottom = 3 * sd
    if ticksOn { bottom += tick + 3 * sd + capH }
    if let xLabel, !xLabel.isEmpty { bottom += 4 * sd + textH }
    var left = 3 * sd
    var right = 4 * sd
    if let yLabel, !yLabel.isEmpty { left += textH + 3 * sd }
    if ticksOn {
      let (xl, yl) = resolvedLimits()
      let yt = ticks(
        lower: yl.0, upper: yl.1, log: yScale == .log, length: max(10, cellHeight - top - bottom), horizontal: false, scale: s)
      left += tick + 3 * sd + yt.maxLabelWidth
      // The last x label is centred on the right edge and may stick out past the plot.
      let xt = ticks(
        lower: xl.0, upper: xl.1, log: xScale == .log, length: max(10, cellWidth - left - right), horizontal: true, scale: s)
      if let last = xt.labels.last, let v = xt.values.last, abs(v - xl.1) < 1e-9 * max(1, abs(xl.1)) {
        right = max(right, Canvas.textSize(last, scale: s).width / 2 + sd)
      }
    }
    var colorbar = 0.0
    if let bar = colorbarSpec {
      let ct = ticks(
        lower: bar.range.lowerBound, upper: bar.range.upperBound, log: false, length: max(10, cellHeight - top - bottom),
        horizontal: false, scale: s)
      colorbar = Self.colorbarGap(s) + Self.colorbarWidth(s) + 1 + tick + 3 * sd + ct.maxLabelWidth
      if let label = bar.label, !label.isEmpty { colorbar += 3 * sd + textH }
    }
    return Margins(left: left, right: right, top: top, bottom: bottom, colorbar: colorbar)
  }

  static func colorbarGap(_ s: Int) -> Double { Double(5 * s) }
  static func colorbarWidth(_ s: Int) -> Double { Double(6 * s) }

  /// Draws the colour scale bar right of `rect`.
  func drawColorbar(on canvas: Canvas, rect: Rect, scale s: Int) {
    guard let bar = colorbarSpec else { return }
    let sd = Double(s)
    let tick = Self.tickLength(s)
    let frameColor = Color(gray: 0.2)
    let box = Rect(x: rect.maxX + 1 + Self.colorbarGap(s), y: rect.minY, width: Self.colorbarWidth(s), height: rect.height)
    let steps = 256
    let colors = (0..<steps).map { bar.colormap.color(at: 1 - Double($0) / Double(steps - 1)) }
    canvas.drawImage(colors, columns: 1, rows: steps, in: box, interpolation: .bilinear)
    canvas.fillRect(Rect(x: box.minX - 1, y: box.minY - 1, width: box.width + 2, height: 1), color: frameColor)
    canvas.fillRect(Rect(x: box.minX - 1, y: box.maxY, width: box.width + 2, height: 1), color: frameColor)
    canvas.fillRect(Rect(x: box.minX - 1, y: box.minY, width: 1, height: box.height), color: frameColor)
    canvas.fillRect(Rect(x: box.maxX, y: box.minY, width: 1, height: box.height), color: frameColor)
    let lo = bar.range.lowerBound, hi = bar.range.upperBound
    let ct = ticks(lower: lo, upper: hi, log: false, length: box.height, horizontal: false, scale: s)
    for (v, label) in zip(ct.values, ct.labels) {
      let row = min(max((box.maxY - (v - lo) / (hi - lo) * box.height).rounded(.down), box.minY - 1), box.maxY)
      canvas.fillRect(Rect(x: box.maxX + 1, y: row, width: tick, height: 1), color: frameColor)
      canvas.drawText(label, at: Point(box.maxX + 1 + tick + 3 * sd, row + 1), scale: s, horizontal: .left, vertical: .center)
    }
    if let label = bar.label, !label.isEmpty {
      let x = box.maxX + 1 + tick + 3 * sd + ct.maxLabelWidth + 3 * sd
      canvas.drawText(label, at: Point(x, box.midY), scale: s, horizontal: .center, vertical: .top, rotated: true)
    }
  }

  /// Draws the panel with its plot area at `area` (shrunk for image panels and equal aspect).
  func draw(on canvas: Canvas, in area: Rect, scale s: Int, magnification: Double? = nil) {
    let sd = Double(s)
    let textH = Double(BitmapFont.cellHeight * s)
    let (xl, yl) = resolvedLimits()
    var rect = area
    if let p = pixelImage, xLimits == nil, yLimits == nil {
      // Whole-pixel magnification keeps image pixels square and crisp when it costs little.
      var k = magnification ?? min(area.width / Double(p.columns), area.height / Double(p.rows))
      if k >= 1, k.rounded(.down) / k >= 0.8 { k = k.rounded(.down) }
      let w = (Double(p.columns) * k).rounded(), h = (Double(p.rows) * k).rounded()
      rect = Rect(x: (area.midX - w / 2).rounded(), y: (area.midY - h / 2).rounded(), width: w, height: h)
    } else if equalAspect {
      let ux = area.width / (xl.1 - xl.0), uy = area.height / (yl.1 - yl.0)
      let k = min(ux, uy)
      let w = ((xl.1 - xl.0) * k).rounded(), h = ((yl.1 - yl.0) * k).rounded()
      rect = Rect(x: (area.midX - w / 2).rounded(), y: (area.midY - h / 2).rounded(), width: w, height: h)
    }
    plotRect = rect
    let t = Transform(
      rect: rect, x: xl, y: yl, xLog: xScale == .log, yLog: yScale == .log, yDown: pixelImage != nil && yLimits == nil)

    canvas.fillRect(rect, color: background)
    let ticksOn = ticksVisible
    let xt = ticks(lower: xl.0, upper: xl.1, log: xScale == .log, length: rect.width, horizontal: true, scale: s)
    let yt = ticks(lower: yl.0, upper: yl.1, log: yScale == .log, length: rect.height, horizontal: false, scale: s)
    // Tick positions snapped to pixel columns/rows; the frame sits just outside the plot area.
    let xCols = xt.values.map { min(max(t.px($0).rounded(.down), rect.minX - 1), rect.maxX) }
    let yRows = yt.values.map { min(max(t.py($0).rounded(.down), rect.minY - 1), rect.maxY) }

    if grid && ticksOn {
      let gridColor = Color(gray: 0.9)
      for c in xCols where c > rect.minX && c < rect.maxX - 1 {
        canvas.fillRect(Rect(x: c, y: rect.minY, width: 1, height: rect.height), color: gridColor)
      }
      for r in yRows where r > rect.minY && r < rect.maxY - 1 {
        canvas.fillRect(Rect(x: rect.minX, y: r, width: rect.width, height: 1), color: gridColor)
      }
    }

    canvas.clip = rect
    let ordered = elements.enumerated().sorted { ($0.element.layer, $0.offset) < ($1.element.layer, $1.offset) }
    for (_, e) in ordered { drawElement(e, canvas: canvas, transform: t, scale: s) }
    canvas.clip = nil

    let frameColor = Color(gray: 0.2)
    if showFrame {
      canvas.fillRect(Rect(x: rect.minX - 1, y: rect.minY - 1, width: rect.width + 2, height: 1), color: frameColor)
      canvas.fillRect(Rect(x: rect.minX - 1, y: rect.maxY, width: rect.width + 2, height: 1), color: frameColor)
      canvas.fillRect(Rect(x: rect.minX - 1, y: rect.minY, width: 1, height: rect.height), color: frameColor)
      canvas.fillRect(Rect(x: rect.maxX, y: rect.minY, width: 1, height: rect.height), color: frameColor)
    }

    let tick = Self.tickLength(s)
    var xLabelTop = rect.maxY + 2 * sd
    var yLabelRight = rect.minX - 2 * sd
    if ticksOn {
      for (c, label) in zip(xCols, xt.labels) {
        canvas.fillRect(Rect(x: c, y: rect.maxY + 1, width: 1, height: tick), color: frameColor)
        canvas.drawText(
          label, at: Point(c + 0.5, rect.maxY + 1 + tick + 3 * sd), scale: s, color: .black, horizontal: .center,
          vertical: .top)
      }
      for (r, label) in zip(yRows, yt.labels) {
        canvas.fillRect(Rect(x: rect.minX - 1 - tick, y: r, width: tick, height: 1), color: frameColor)
        canvas.drawText(
          label, at: Point(rect.minX - 1 - tick - 3 * sd, r + 1), scale: s, color: .black, horizontal: .right,
          vertical: .center)
      }
      xLabelTop = rect.maxY + 1 + tick + 3 * sd + Double(BitmapFont.ascent * s) + 4 * sd
      yLabelRight = rect.minX - 1 - tick - 3 * sd - yt.maxLabelWidth - 3 * sd
    }
    if let xLabel, !xLabel.isEmpty {
      canvas.drawText(xLabel, at: Point(rect.midX, xLabelTop), scale: s, horizontal: .center, vertical: .top)
    }
    if let yLabel, !yLabel.isEmpty {
      canvas.drawText(
        yLabel, at: Point(yLabelRight - textH + sd, rect.midY), scale: s, horizontal: .center, vertical: .top, rotated: true)
    }
    if let title, !title.isEmpty {
      canvas.drawText(title, at: Point(rect.midX, rect.minY - 3 * sd), scale: s, horizontal: .center, vertical: .bottom, bold: true)
    }
    drawColorbar(on: canvas, rect: rect, scale: s)
    drawLegend(on: canvas, rect: rect, transform: t, scale: s)
  }

  func drawElement(_ e: Element, canvas: Canvas, transform t: Transform, scale s: Int) {
    switch e {
    case .line(let x, let y, let color, let width, let style, _):
      canvas.strokePolyline(zip(x, y).map { t.point($0, $1) }, color: color, width: width, dash: style.pattern(width: width))
    case .band(let x, let lower, let upper, let color, _):
      // One polygon per run of finite samples.
      var run: [Int] = []
      func flush() {
        if run.count >= 2 {
          let poly = run.map { t.point(x[$0], upper[$0]) } + run.reversed().map { t.point(x[$0], lower[$0]) }
          canvas.fillPolygon(poly, color: color)
        }
        run.removeAll()
      }
      for i in x.indices {
        let p = t.point(x[i], upper[i]), q = t.point(x[i], lower[i])
        if p.x.isFinite && p.y.isFinite && q.y.isFinite { run.append(i) } else { flush() }
      }
      flush()
    case .scatter(let x, let y, let colors, let size, let marker, let edge, _):
      for i in x.indices {
        let p = t.point(x[i], y[i])
        guard p.x.isFinite, p.y.isFinite else { continue }
        let c = colors.count == 1 ? colors[0] : colors[i]
        if let edge {
          canvas.drawMarker(marker, at: p, size: size + 2.5, color: edge)
        }
        canvas.drawMarker(marker, at: p, size: size, color: c)
      }
    case .image(let colors, let columns, let rows, let extent, let origin, let interpolation):
      let ex = extent ?? Extent(x: 0...Double(columns), y: 0...Double(rows))
      let xa = t.px(ex.x.lowerBound), xb = t.px(ex.x.upperBound)
      let ya = t.py(ex.y.lowerBound), yb = t.py(ex.y.upperBound)
      var pixels = colors
      // drawImage puts row 0 at the top of the rectangle. Pixel images (y pointing down) keep
      // that for `.upper`; with an extent, row 0 belongs at the lower y bound for `.lower`.
      let flip = extent == nil ? origin == .lower : (origin == .lower) == (yb < ya)
      if flip {
        pixels = (0..<rows).flatMap { r in colors[((rows - 1 - r) * columns)..<((rows - r) * columns)] }
      }
      let rect = Rect(x: min(xa, xb), y: min(ya, yb), width: abs(xb - xa), height: abs(yb - ya))
      canvas.drawImage(pixels, columns: columns, rows: rows, in: rect, interpolation: interpolation)
    case .rule(let v, let vertical, let color, let width, let style, _):
      let r = t.rect
      let pts =
        vertical
        ? [Point(t.px(v), r.minY), Point(t.px(v), r.maxY)] : [Point(r.minX, t.py(v)), Point(r.maxX, t.py(v))]
      canvas.strokePolyline(pts, color: color, width: width, dash: style.pattern(width: width))
    case .bars(let x, let heights, let bottoms, let width, let color, let edge, _):
      for i in x.indices {
        let xa = t.px(x[i] - width / 2), xb = t.px(x[i] + width / 2)
        let ya = t.py(bottoms[i]), yb = t.py(bottoms[i] + heights[i])
        guard xa.isFinite, xb.isFinite, ya.isFinite, yb.isFinite else { continue }
        let rect = Rect(x: min(xa, xb), y: min(ya, yb), width: abs(xb - xa), height: abs(yb - ya))
        canvas.fillRect(rect, color: color)
        if let edge, rect.width >= 3 {
          // A thin outline separates adjacent bars (as in histograms).
          let pts = [
            Point(rect.minX, rect.maxY), Point(rect.minX, rect.minY), Point(rect.maxX, rect.minY),
            Point(rect.maxX, rect.maxY),
          ]
          canvas.strokePolyline(pts, color: edge, width: 1)
        }
      }
    case .text(let string, let x, let y, let color, let h, let v):
      canvas.drawText(string, at: t.point(x, y), scale: s, color: color, horizontal: h, vertical: v)
    }
  }

  // MARK: Legend

  enum LegendKey {
    case line(Color, Double, LineStyle)
    case patch(Color)
    case marker(Marker, Color, Double, Color?)
  }

  func legendEntries() -> [(String, LegendKey)] {
    elements.compactMap { e -> (String, LegendKey)? in
      switch e {
      case .line(_, _, let c, let w, let st, let l?): (l, .line(c, w, st))
      case .rule(_, _, let c, let w, let st, let l?): (l, .line(c, w, st))
      case .band(_, _, _, let c, let l?): (l, .patch(c))
      case .bars(_, _, _, _, let c, _, let l?): (l, .patch(c))
      case .scatter(_, _, let cs, let size, let m, let edge, let l?): (l, .marker(m, cs[0], size, edge))
      default: nil
      }
    }
  }

  /// Pixel positions of plotted data, to find the emptiest corner for the legend.
  func dataPoints(_ t: Transform) -> [Point] {
    var pts: [Point] = []
    func densify(_ p: [Point]) {
      guard let first = p.first else { return }
      pts.append(first)
      for (a, b) in zip(p, p.dropFirst()) {
        let n = Int(min(200, hypot(b.x - a.x, b.y - a.y) / 4))
        for k in 0...n { pts.append(Point(a.x + (b.x - a.x) * Double(k + 1) / Double(n + 1), a.y + (b.y - a.y) * Double(k + 1) / Double(n + 1))) }
      }
    }
    for e in elements {
      switch e {
      case .line(let x, let y, _, _, _, _): densify(zip(x, y).map { t.point($0, $1) })
      case .band(let x, let lo, let hi, _, _):
        densify(zip(x, lo).map { t.point($0, $1) })
        densify(zip(x, hi).map { t.point($0, $1) })
        densify(x.indices.map { t.point(x[$0], (lo[$0] + hi[$0]) / 2) })
      case .scatter(let x, let y, _, _, _, _, _): pts += zip(x, y).map { t.point($0, $1) }
      case .bars(let x, let h, let b, _, _, _, _): for i in x.indices { densify([t.point(x[i], b[i]), t.point(x[i], b[i] + h[i])]) }
      default: break
      }
    }
    return pts.filter { $0.x.isFinite && $0.y.isFinite }
  }

  func drawLegend(on canvas: Canvas, rect: Rect, transform t: Transform, scale s: Int) {
    let entries = legendEntries()
    guard !entries.isEmpty, legend != .hidden else { return }
    let sd = Double(s)
    let textH = Double(BitmapFont.cellHeight * s)
    let pad = 3 * sd
    let swatch = 11 * sd
    let rowH = textH + sd
    let textW = entries.map { Canvas.textSize($0.0, scale: s).width }.max() ?? 0
    let w = (pad + swatch + 3 * sd + textW + pad).rounded()
    let h = (2 * pad + rowH * Double(entries.count) - sd).rounded()
    let inset = 3 * sd
    let corners: [LegendPosition: Point] = [
      .upperRight: Point(rect.maxX - inset - w, rect.minY + inset),
      .upperLeft: Point(rect.minX + inset, rect.minY + inset),
      .lowerLeft: Point(rect.minX + inset, rect.maxY - inset - h),
      .lowerRight: Point(rect.maxX - inset - w, rect.maxY - inset - h),
    ]
    let order: [LegendPosition] = [.upperRight, .upperLeft, .lowerLeft, .lowerRight]
    var position = legend
    if position == .best {
      let pts = dataPoints(t)
      position = order.min { a, b in
        let ra = Rect(x: corners[a]!.x, y: corners[a]!.y, width: w, height: h)
        let rb = Rect(x: corners[b]!.x, y: corners[b]!.y, width: w, height: h)
        let ca = pts.filter { $0.x >= ra.minX && $0.x <= ra.maxX && $0.y >= ra.minY && $0.y <= ra.maxY }.count
        let cb = pts.filter { $0.x >= rb.minX && $0.x <= rb.maxX && $0.y >= rb.minY && $0.y <= rb.maxY }.count
        // Ties go to the earlier corner in the conventional order.
        return ca < cb || (ca == cb && order.firstIndex(of: a)! < order.firstIndex(of: b)!)
      }!
    }
    let origin = corners[position]!
    let box = Rect(x: origin.x.rounded(), y: origin.y.rounded(), width: w, height: h)
    canvas.fillRect(box, color: Color(gray: 1, alpha: 0.88))
    let border = Color(gray: 0.75)
    canvas.fillRect(Rect(x: box.minX, y: box.minY, width: box.width, height: 1), color: border)
    canvas.fillRect(Rect(x: box.minX, y: box.maxY - 1, width: box.width, height: 1), color: border)
    canvas.fillRect(Rect(x: box.minX, y: box.minY + 1, width: 1, height: box.height - 2), color: border)
    canvas.fillRect(Rect(x: box.maxX - 1, y: box.minY + 1, width: 1, height: box.height - 2), color: border)
    for (i, (label, key)) in entries.enumerated() {
      let rowTop = box.minY + pad + Double(i) * rowH
      let cy = rowTop + Double(BitmapFont.ascent * s) / 2
      let sx = box.minX + pad
      switch key {
      case .line(let c, let lw, let st):
        canvas.strokePolyline(
          [Point(sx + lw / 2, cy), Point(sx + swatch - lw / 2, cy)], color: c, width: lw, dash: st.pattern(width: min(lw, 2) * 0.7))
      case .patch(let c):
        canvas.fillRect(Rect(x: sx, y: rowTop, width: swatch, height: Double(BitmapFont.ascent * s)), color: c)
      case .marker(let m, let c, let size, let edge):
        let sz = min(size, textH)
        if let edge { canvas.drawMarker(m, at: Point(sx + swatch / 2, cy), size: sz + 2.5, color: edge) }
        canvas.drawMarker(m, at: Point(sx + swatch / 2, cy), size: sz, color: c)
      }
      canvas.drawText(label, at: Point(sx + swatch + 3 * sd, rowTop), scale: s, horizontal: .left, vertical: .top)
    }
  }
}
