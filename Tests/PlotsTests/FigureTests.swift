import Foundation
import Testing

@testable import Plots

/// The example figure from the brief: an NP-style prediction panel (band + mean + oracle +
/// context scatter + legend), a regret panel on a log axis, a histogram, a decision surface,
/// and an image-completion grid with unobserved pixels.
func exampleFigure() -> Figure {
  let figure = Figure(width: 1500, height: 900)
  figure.title = "Penumbra figure sampler"
  let grid = figure.panels(rows: 2, columns: 3)

  let xs = (0...200).map { -2 + 4 * Double($0) / 200 }
  let mean = xs.map { sin(2.2 * $0) * 0.9 + 0.2 * $0 }
  let sd = xs.map { 0.08 + 0.35 * pow(sin(1.3 * $0 + 0.4), 2) }
  let oracle = xs.map { sin(2.2 * $0) * 0.95 + 0.18 * $0 }
  let cx = [-1.6, -0.9, -0.3, 0.4, 1.1, 1.7]
  let cy = cx.map { sin(2.2 * $0) * 0.9 + 0.2 * $0 }
  let np = grid[0][0]
  np.title = "Neural process prediction"
  np.xLabel = "x"
  np.yLabel = "y"
  np.band(x: xs, lower: zip(mean, sd).map { $0 - 2 * $1 }, upper: zip(mean, sd).map { $0 + 2 * $1 }, color: .blue, label: "mean ± 2σ")
  np.line(x: xs, y: mean, color: .blue, label: "NP mean")
  np.line(x: xs, y: oracle, color: .darkGray, width: 1.5, style: .dashed, label: "GP oracle")
  np.scatter(x: cx, y: cy, color: .black, size: 8, label: "context")

  let regret = grid[0][1]
  regret.title = "Bayesian optimisation"
  regret.xLabel = "iteration"
  regret.yLabel = "simple regret"
  regret.yScale = .log
  let iters = (0..<50).map(Double.init)
  for (k, (name, rate)) in [("random", 0.04), ("GP-EI", 0.12), ("NP-EI", 0.09)].enumerated() {
    let m = iters.map { 2 * exp(-rate * $0) + 0.002 }
    regret.band(x: iters, lower: m.map { $0 / 1.6 }, upper: m.map { $0 * 1.6 }, color: Color.palette(k), alpha: 0.2)
    regret.line(x: iters, y: m, color: Color.palette(k), label: name)
  }

  let hist = grid[0][2]
  hist.title = "Predictive entropy"
  hist.xLabel = "entropy (nats)"
  hist.yLabel = "count"
  var state: UInt64 = 12345
  func uniform() -> Double {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) / Double(1 << 53)
  }
  let inDist = (0..<800).map { _ in pow(uniform(), 2.5) * 1.2 }
  let ood = (0..<800).map { _ in 0.6 + 1.6 * (uniform() + uniform()) / 2 }
  hist.histogram(inDist, bins: 30, range: 0...2.3, color: .blue, alpha: 0.6, label: "in-distribution")
  hist.histogram(ood, bins: 30, range: 0...2.3, color: .orange, alpha: 0.6, label: "out-of-distribution")

  let surface = grid[1][0]
  surface.title = "DUQ certainty, two moons"
  let n = 80
  var values: [[Double]] = []
  for j in 0..<n {
    let y = -1.5 + 3.5 * Double(j) / Double(n - 1)
    values.append((0..<n).map { i in
      let x = -2 + 5 * Double(i) / Double(n - 1)
      return exp(-(pow(x - 0.5, 2) / 2 + pow(y - 0.25, 2) / 0.5))
    })
  }
  surface.image(values, colormap: .viridis, range: 0...1, extent: Extent(x: -2...3, y: -1.5...2), interpolation: .bilinear)
  var mx: [Double] = [], my: [Double] = [], mc: [Color] = []
  for i in 0..<60 {
    let t = Double.pi * Double(i) / 59
    mx += [cos(t), 1 - cos(t)]
    my += [sin(t), 0.5 - sin(t)]
    mc += [.orange, .cyan]
  }
  surface.scatter(x: mx, y: my, colors: mc, size: 6, edgeColor: .black)
  surface.colorbar(colormap: .viridis, range: 0...1, label: "certainty")

  let rel = grid[1][1]
  rel.title = "Reliability diagram"
  rel.xLabel = "confidence"
  rel.yLabel = "accuracy"
  rel.xLimits = 0...1
  rel.yLimits = 0...1
  let centers = (0..<10).map { 0.05 + 0.1 * Double($0) }
  rel.bar(x: centers, height: centers.map { pow($0, 1.4) }, width: 0.1, color: .blue, alpha: 0.8, edgeColor: .white, label: "outputs")
  rel.line(x: [0, 1], y: [0, 1], color: .gray, width: 1.5, style: .dashed, label: "perfect calibration")
  rel.legend = .upperLeft

  // One image-completion context: 30% of pixels observed, the rest in the unobserved colour.
  let img = grid[1][2]
  img.title = "Context (unobserved)"
  var pixels = [Double](repeating: 0, count: 28 * 28)
  for r in 0..<28 {
    for c in 0..<28 {
      let d = hypot(Double(r) - 13.5, Double(c) - 13.5)
      pixels[r * 28 + c] = max(0, 1 - abs(d - 8) / 3)
      if scramble(r * 28 + c) % 100 >= 30 { pixels[r * 28 + c] = .nan }
    }
  }
  img.image(pixels, shape: [28, 28], colormap: .gray, range: 0...1)
  return figure
}

/// A fixed pseudo-random hash, for deterministic masks and noise in the sample figures.
func scramble(_ i: Int) -> Int {
  var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
  x ^= x >> 29
  x = x &* 0xBF58_476D_1CE4_E5B9
  return Int(x >> 33)
}

/// An image-completion grid: rows context / mean / std / samples, grayscale, unobserved pixels blue.
func imageGridFigure() -> Figure {
  let names = ["context", "mean", "std", "sample 1", "sample 2"]
  let figure = Figure(width: 900, height: 900)
  figure.title = "Image completion"
  let grid = figure.panels(rows: names.count, columns: 5)
  for (r, name) in names.enumerated() {
    for c in 0..<5 {
      let ax = grid[r][c]
      if c == 0 { ax.yLabel = name }
      if r == 0 { ax.title = "\(10 * (c + 1))% context" }
      var px = [Float](repeating: 0, count: 28 * 28)
      for i in 0..<28 {
        for j in 0..<28 {
          let d = hypot(Double(i) - 14, Double(j) - 13 - Double(c))
          var v = Float(max(0, 1 - abs(d - 7) / 2.5))
          if r == 0 && scramble(i * 28 + j) % 10 >= c + 1 { v = .nan }
          if r == 2 { v = Float(0.2 + 0.8 * exp(-pow(d - 7, 2) / 8)) }
          if r >= 3 { v = min(1, max(0, v + Float(scramble(i * 28 + j + 1000 * r) % 100) / 400 - 0.1)) }
          px[i * 28 + j] = v
        }
      }
      ax.image(px, shape: [28, 28], colormap: r == 2 ? .viridis : .gray, range: 0...1)
    }
  }
  return figure
}

@Suite struct FigureTests {
  @Test func lineRendersInsidePlotArea() {
    let figure = Figure(width: 320, height: 240, fontScale: 1)
    let ax = figure.axes()
    ax.line(x: [0, 1, 2, 3], y: [0, 1, 0, 1], color: .red, width: 3)
    let canvas = figure.render()
    let rect = try! #require(ax.plotRect)
    #expect(rect.width > 200 && rect.height > 150)
    var red = 0, outside = 0
    for y in 0..<canvas.height {
      for x in 0..<canvas.width {
        let p = canvas.pixel(x, y)
        let isRed = p.red > 0.7 && p.green < 0.3 && p.blue < 0.3
        let inside = Double(x) >= rect.minX && Double(x) < rect.maxX && Double(y) >= rect.minY && Double(y) < rect.maxY
        if isRed { if inside { red += 1 } else { outside += 1 } }
      }
    }
    #expect(red > 500)
    #expect(outside == 0)
  }

  @Test func emptyPanelHasBlankPlotArea() {
    let figure = Figure(width: 200, height: 150, fontScale: 1)
    let ax = figure.axes()
    ax.grid = false
    let canvas = figure.render()
    let rect = try! #require(ax.plotRect)
    for y in Int(rect.minY)..<Int(rect.maxY) {
      for x in Int(rect.minX)..<Int(rect.maxX) { #expect(canvas.pixel(x, y) == .white) }
    }
    // Tick labels are drawn left of and below the plot area.
    var dark = 0
    for y in Int(rect.maxY) + 2..<canvas.height {
      for x in 0..<canvas.width where canvas.pixel(x, y).red < 0.5 { dark += 1 }
    }
    #expect(dark > 20)
  }

  @Test func bandIsTranslucentAndClipped() {
    let figure = Figure(width: 300, height: 200, fontScale: 1)
    let ax = figure.axes()
    ax.xLimits = 0...1
    ax.yLimits = 0...1
    ax.grid = false
    ax.band(x: [-1, 2], lower: [0.25, 0.25], upper: [0.75, 0.75], color: .blue, alpha: 0.5)
    let canvas = figure.render()
    let rect = try! #require(ax.plotRect)
    let mid = canvas.pixel(Int(rect.midX), Int(rect.midY))
    // Half-transparent tab:blue over white.
    #expect(abs(mid.red - (0.5 + 0.5 * 0x1F / 255)) < 0.01)
    #expect(abs(mid.blue - (0.5 + 0.5 * 0xB4 / 255)) < 0.01)
    // Nothing leaks outside the plot area to the left.
    #expect(canvas.pixel(Int(rect.minX) - 3, Int(rect.midY)) == .white)
  }

  @Test func pixelImageMapsValuesAndMissing() {
    let figure = Figure(width: 120, height: 120, fontScale: 1)
    let ax = figure.axes()
    ax.image([[0, 1], [.nan, 0.5]], colormap: .gray, range: 0...1)
    let canvas = figure.render()
    let r = try! #require(ax.plotRect)
    #expect(r.width == r.height)
    func at(_ fx: Double, _ fy: Double) -> Color { canvas.pixel(Int(r.minX + fx * r.width), Int(r.minY + fy * r.height)) }
    #expect(at(0.25, 0.25) == .black)
    #expect(at(0.75, 0.25) == .white)
    let missing = at(0.25, 0.75)
    #expect(abs(missing.blue - Color.unobserved.blue) < 0.01 && abs(missing.red - Color.unobserved.red) < 0.01)
    #expect(abs(at(0.75, 0.75).red - 0.5) < 0.01)
  }

  @Test func legendAvoidsData() {
    let figure = Figure(width: 400, height: 300, fontScale: 1)
    let ax = figure.axes()
    // Data crowd the upper right; the legend should go to the upper left.
    ax.scatter(x: (0..<121).map { 0.6 + 0.04 * Double($0 % 11) }, y: (0..<121).map { 0.6 + 0.04 * Double($0 / 11) },
      color: .red, label: "points")
    ax.scatter(x: [0, 0.2], y: [0, 0.2], color: .green)
    let canvas = figure.render()
    if let dir = ProcessInfo.processInfo.environment["PLOTS_EXAMPLE_DIR"] {
      try? canvas.write(to: URL(fileURLWithPath: dir).appendingPathComponent("legend.png"))
    }
    let r = try! #require(ax.plotRect)
    // The legend's marker swatch (red) appears in the upper-left quadrant.
    var redUpperLeft = 0
    for y in Int(r.minY)..<Int(r.minY + 40) {
      for x in Int(r.minX)..<Int(r.minX + 40) {
        let p = canvas.pixel(x, y)
        if p.red > 0.7 && p.green < 0.3 { redUpperLeft += 1 }
      }
    }
    #expect(redUpperLeft > 5)
  }

  @Test func textDrawsGlyphs() {
    let canvas = Canvas(width: 60, height: 20)
    canvas.drawText("Ab1", at: Point(2, 2), scale: 1, vertical: .top)
    var ink = 0
    for y in 0..<20 { for x in 0..<60 where canvas.pixel(x, y) == .black { ink += 1 } }
    // 'A' has 18 inked cells, 'b' 16, '1' 10 in the font source.
    #expect(ink == 18 + 16 + 10)
    // Proportional advances: A and b are 5 wide, '1' 3, '.' 1, plus 1 between glyphs.
    #expect(BitmapFont.width(of: "Ab1") == 5 + 1 + 5 + 1 + 3)
    #expect(BitmapFont.width(of: "1.5") == 3 + 1 + 1 + 1 + 5)
  }

  @Test func everyPrintableASCIICharacterHasAGlyph() {
    for code in 33...126 {
      let ch = Character(UnicodeScalar(UInt8(code)))
      #expect(BitmapFont.glyphs[ch] != nil, "missing glyph for \(ch)")
    }
  }

  @Test func colormapEndpoints() {
    #expect(Colormap.gray.color(at: 0) == .black)
    #expect(Colormap.gray.color(at: 1) == .white)
    #expect(Colormap.viridis.color(at: 0) == Color(hex: 0x440154))
    #expect(Colormap.viridis.color(at: 2) == Color(hex: 0xFDE725))
  }

  /// Renders the sample figures; set PLOTS_EXAMPLE_DIR to also write them as PNGs.
  @Test func exampleFiguresRender() throws {
    for (name, figure) in [("example", exampleFigure()), ("image-grid", imageGridFigure())] {
      let png = figure.pngData()
      let decoded = try PNGImage(decoding: [UInt8](png))
      #expect(decoded.width == figure.width && decoded.height == figure.height)
      if let dir = ProcessInfo.processInfo.environment["PLOTS_EXAMPLE_DIR"] {
        try png.write(to: URL(fileURLWithPath: dir).appendingPathComponent("\(name).png"))
      }
    }
  }
}

@Suite struct LayoutTests {
  @Test func tickLabelsNeverOverlap() {
    let ax = Figure(width: 100, height: 100).axes()
    for (lo, hi) in [(0.0, 123_456.0), (-0.0031, 0.0042), (0.0, 1.0), (1e-3, 1e4)] {
      for length in [80.0, 200, 600] {
        for log in [false, true] where !log || lo > 0 {
          let t = ax.ticks(lower: lo, upper: hi, log: log, length: length, horizontal: true, scale: 2)
          #expect(t.values.count >= 1)
          let pos = t.values.map { v in log ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) * length : (v - lo) / (hi - lo) * length }
          let widths = t.labels.map { Canvas.textSize($0, scale: 2).width }
          // Either two ticks remain (the floor) or neighbouring labels keep clear of each other.
          if t.values.count > 2 {
            for i in 1..<t.values.count { #expect(pos[i] - pos[i - 1] >= (widths[i] + widths[i - 1]) / 2) }
          }
        }
      }
    }
  }

  @Test func colorbarShowsColormapEnds() {
    let figure = Figure(width: 300, height: 200, fontScale: 1)
    let ax = figure.axes()
    ax.image([[0, 1], [1, 0]], colormap: .viridis, range: 0...1, extent: Extent(x: 0...1, y: 0...1))
    ax.colorbar(colormap: .viridis, range: 0...1, label: "p")
    let canvas = figure.render()
    let r = try! #require(ax.plotRect)
    let x = Int(r.maxX) + 1 + Int(Axes.colorbarGap(1)) + 2
    let top = canvas.pixel(x, Int(r.minY) + 1), bottom = canvas.pixel(x, Int(r.maxY) - 2)
    #expect(abs(top.green - Color(hex: 0xFDE725).green) < 0.03)
    #expect(abs(bottom.red - Color(hex: 0x440154).red) < 0.03)
  }

  @Test func gridPanelsAlignAndImagesShareSize() {
    let figure = Figure(width: 600, height: 400, fontScale: 1)
    let grid = figure.panels(rows: 2, columns: 3)
    for r in 0..<2 {
      for c in 0..<3 {
        grid[r][c].image([Double](repeating: 0.5, count: 28 * 28), shape: [28, 28])
        if r == 0 { grid[r][c].title = "col \(c)" }
      }
    }
    grid[1][0].yLabel = "row label"
    _ = figure.render()
    let rects = grid.flatMap { $0 }.map { $0.plotRect! }
    #expect(Set(rects.map(\.width)).count == 1 && Set(rects.map(\.height)).count == 1)
    #expect(rects[0].width.truncatingRemainder(dividingBy: 28) == 0)  // whole-pixel magnification
    #expect(rects[0].minY == rects[1].minY && rects[3].minX == rects[0].minX)
  }
}
