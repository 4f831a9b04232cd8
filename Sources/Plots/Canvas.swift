import Foundation

/// A point in canvas pixel coordinates (x right, y down; pixel (i, j) covers [i, i+1) × [j, j+1)).
public struct Point: Sendable, Hashable {
  public var x: Double
  public var y: Double
  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
}

/// An axis-aligned rectangle in canvas pixel coordinates.
public struct Rect: Sendable, Hashable {
  public var x: Double
  public var y: Double
  public var width: Double
  public var height: Double
  public init(x: Double, y: Double, width: Double, height: Double) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
  }
  public var minX: Double { x }
  public var minY: Double { y }
  public var maxX: Double { x + width }
  public var maxY: Double { y + height }
  public var midX: Double { x + width / 2 }
  public var midY: Double { y + height / 2 }

  /// Whether the two rectangles overlap with positive area.
  public func intersects(_ other: Rect) -> Bool {
    minX < other.maxX && other.minX < maxX && minY < other.maxY && other.minY < maxY
  }
}

/// Horizontal placement of text relative to its anchor point.
public enum HorizontalAlignment: Sendable { case left, center, right }
/// Vertical placement of text relative to its anchor point (`center` centres the cap height).
public enum VerticalAlignment: Sendable { case top, center, baseline, bottom }

/// Marker shapes for scatter plots and legends.
public enum Marker: Sendable, Hashable { case circle, square, diamond, triangle, cross, plus }

/// A raster drawing surface with anti-aliased shapes, alpha blending and bitmap text.
///
/// Shapes are rasterised into a coverage mask first and composited once, so a translucent
/// polyline does not darken where its segments overlap.
public final class Canvas {
  public let width: Int
  public let height: Int
  /// Straight-alpha RGBA, four floats per pixel, rows top to bottom.
  public private(set) var rgba: [Float]
  /// Drawing is restricted to this rectangle (rounded outward to whole pixels) when set.
  public var clip: Rect?

  /// A canvas filled with `background`.
  public init(width: Int, height: Int, background: Color = .white) {
    precondition(width > 0 && height > 0, "canvas size must be positive")
    self.width = width
    self.height = height
    let px = [Float(background.red), Float(background.green), Float(background.blue), Float(background.alpha)]
    rgba = [Float](unsafeUninitializedCapacity: width * height * 4) { buf, n in
      for i in 0..<(width * height) {
        buf[4 * i] = px[0]
        buf[4 * i + 1] = px[1]
        buf[4 * i + 2] = px[2]
        buf[4 * i + 3] = px[3]
      }
      n = width * height * 4
    }
  }

  /// The colour at pixel (x, y).
  public func pixel(_ x: Int, _ y: Int) -> Color {
    let k = 4 * (y * width + x)
    return Color(red: Double(rgba[k]), green: Double(rgba[k + 1]), blue: Double(rgba[k + 2]), alpha: Double(rgba[k + 3]))
  }

  // MARK: Coverage masks

  /// Per-pixel coverage in 0...1 over an integer pixel box.
  struct Mask {
    let x0: Int, y0: Int, x1: Int, y1: Int
    var values: [Float]
    var isEmpty: Bool { x1 <= x0 || y1 <= y0 }

    init(x0: Int, y0: Int, x1: Int, y1: Int) {
      self.x0 = x0
      self.y0 = y0
      self.x1 = max(x1, x0)
      self.y1 = max(y1, y0)
      values = [Float](repeating: 0, count: (self.x1 - x0) * (self.y1 - y0))
    }
  }

  /// The integer pixel box drawing may touch: canvas ∩ clip.
  var drawableBox: (Int, Int, Int, Int) {
    var box = (0, 0, width, height)
    if let c = clip {
      box.0 = max(box.0, Int(floor(c.minX)))
      box.1 = max(box.1, Int(floor(c.minY)))
      box.2 = min(box.2, Int(ceil(c.maxX)))
      box.3 = min(box.3, Int(ceil(c.maxY)))
    }
    return box
  }

  /// A mask covering the bounding box [minX, maxX] × [minY, maxY], clipped to the drawable box.
  func mask(minX: Double, minY: Double, maxX: Double, maxY: Double) -> Mask {
    let b = drawableBox
    guard minX.isFinite, minY.isFinite, maxX.isFinite, maxY.isFinite else {
      return Mask(x0: 0, y0: 0, x1: 0, y1: 0)
    }
    return Mask(
      x0: max(b.0, Int(floor(minX))), y0: max(b.1, Int(floor(minY))),
      x1: min(b.2, Int(ceil(maxX))), y1: min(b.3, Int(ceil(maxY))))
  }

  /// Blends `color` into the canvas with per-pixel opacity `color.alpha * coverage`.
  func composite(_ m: Mask, _ color: Color) {
    guard !m.isEmpty, color.alpha > 0 else { return }
    let r = Float(color.red), g = Float(color.green), b = Float(color.blue), a = Float(color.alpha)
    let w = m.x1 - m.x0
    let stride = width
    rgba.withUnsafeMutableBufferPointer { px in
      m.values.withUnsafeBufferPointer { cov in
        for y in m.y0..<m.y1 {
          for x in m.x0..<m.x1 {
            let c = cov[(y - m.y0) * w + (x - m.x0)]
            if c <= 0 { continue }
            let sa = a * min(c, 1)
            let k = 4 * (y * stride + x)
            let da = px[k + 3]
            if da >= 1 {
              px[k] += (r - px[k]) * sa
              px[k + 1] += (g - px[k + 1]) * sa
              px[k + 2] += (b - px[k + 2]) * sa
            } else {
              let oa = sa + da * (1 - sa)
              if oa <= 0 { continue }
              px[k] = (r * sa + px[k] * da * (1 - sa)) / oa
              px[k + 1] = (g * sa + px[k + 1] * da * (1 - sa)) / oa
              px[k + 2] = (b * sa + px[k + 2] * da * (1 - sa)) / oa
              px[k + 3] = oa
            }
          }
        }
      }
    }
  }

  // MARK: Shapes

  /// Fills a rectangle; fractional edges are anti-aliased by covered area.
  public func fillRect(_ rect: Rect, color: Color) {
    let x0 = min(rect.minX, rect.maxX), x1 = max(rect.minX, rect.maxX)
    let y0 = min(rect.minY, rect.maxY), y1 = max(rect.minY, rect.maxY)
    var m = mask(minX: x0, minY: y0, maxX: x1, maxY: y1)
    guard !m.isEmpty else { return }
    let w = m.x1 - m.x0
    for y in m.y0..<m.y1 {
      let cy = min(Double(y + 1), y1) - max(Double(y), y0)
      for x in m.x0..<m.x1 {
        let cx = min(Double(x + 1), x1) - max(Double(x), x0)
        m.values[(y - m.y0) * w + (x - m.x0)] = Float(max(0, cx) * max(0, cy))
      }
    }
    composite(m, color)
  }

  /// Fills a polygon (non-zero winding rule). Edges are anti-aliased: exact horizontal
  /// coverage on 8 sub-scanlines per pixel row.
  public func fillPolygon(_ points: [Point], color: Color) {
    let pts = points.filter { $0.x.isFinite && $0.y.isFinite }
    guard pts.count >= 3 else { return }
    var m = mask(
      minX: pts.map(\.x).min()!, minY: pts.map(\.y).min()!,
      maxX: pts.map(\.x).max()!, maxY: pts.map(\.y).max()!)
    guard !m.isEmpty else { return }
    rasterizePolygon(pts, into: &m, weight: 1)
    composite(m, color)
  }

  /// Adds the polygon's coverage (times `weight`) into `m`.
  func rasterizePolygon(_ pts: [Point], into m: inout Mask, weight: Float) {
    let sub = 8
    let w = m.x1 - m.x0
    // Edges as (x at top, top y, bottom y, dx/dy, winding direction), skipping horizontal ones.
    var edges: [(x: Double, y0: Double, y1: Double, slope: Double, dir: Int)] = []
    for i in 0..<pts.count {
      let p = pts[i], q = pts[(i + 1) % pts.count]
      if p.y == q.y { continue }
      let (a, b, dir) = p.y < q.y ? (p, q, 1) : (q, p, -1)
      edges.append((a.x, a.y, b.y, (b.x - a.x) / (b.y - a.y), dir))
    }
    var crossings: [(Double, Int)] = []
    var row = [Float](repeating: 0, count: w)
    let subWeight = weight / Float(sub)
    for y in m.y0..<m.y1 {
      for k in 0..<w { row[k] = 0 }
      var any = false
      for s in 0..<sub {
        let sy = Double(y) + (Double(s) + 0.5) / Double(sub)
        crossings.removeAll(keepingCapacity: true)
        for e in edges where sy >= e.y0 && sy < e.y1 {
          crossings.append((e.x + (sy - e.y0) * e.slope, e.dir))
        }
        if crossings.count < 2 { continue }
        crossings.sort { $0.0 < $1.0 }
        var winding = 0
        for i in 0..<(crossings.count - 1) {
          winding += crossings[i].1
          guard winding != 0 else { continue }
          let xa = max(crossings[i].0, Double(m.x0)), xb = min(crossings[i + 1].0, Double(m.x1))
          if xb <= xa { continue }
          any = true
          let first = Int(floor(xa)), last = Int(ceil(xb)) - 1
          for px in first...last {
            let cover = min(xb, Double(px + 1)) - max(xa, Double(px))
            row[px - m.x0] += Float(cover) * subWeight
          }
        }
      }
      if any {
        let base = (y - m.y0) * w
        for k in 0..<w where row[k] > 0 { m.values[base + k] = min(1, m.values[base + k] + row[k]) }
      }
    }
  }

  /// Strokes a polyline of the given width (pixels) with round joins and caps.
  /// `dash` is an on/off pattern in pixels (e.g. `[6, 4]`); nil draws a solid line.
  /// Non-finite points break the line into separate pieces.
  public func strokePolyline(_ points: [Point], color: Color, width: Double = 1, dash: [Double]? = nil) {
    var pieces: [[Point]] = [[]]
    for p in points {
      if p.x.isFinite && p.y.isFinite { pieces[pieces.count - 1].append(p) } else if !pieces[pieces.count - 1].isEmpty {
        pieces.append([])
      }
    }
    pieces = pieces.filter { !$0.isEmpty }
    if let dash, dash.count >= 2, dash.allSatisfy({ $0 > 0 }) {
      pieces = pieces.flatMap { Self.dashed($0, pattern: dash) }
    }
    let all = pieces.flatMap { $0 }
    guard !all.isEmpty else { return }
    let r = max(width, 0.1) / 2 + 1
    var m = mask(
      minX: all.map(\.x).min()! - r, minY: all.map(\.y).min()! - r,
      maxX: all.map(\.x).max()! + r, maxY: all.map(\.y).max()! + r)
    guard !m.isEmpty else { return }
    for piece in pieces {
      if piece.count == 1 {
        strokeSegment(piece[0], piece[0], width: width, into: &m)
      }
      for i in 0..<max(0, piece.count - 1) { strokeSegment(piece[i], piece[i + 1], width: width, into: &m) }
    }
    composite(m, color)
  }

  /// Splits a polyline into its "on" pieces under a dash pattern measured along arc length.
  static func dashed(_ pts: [Point], pattern: [Double]) -> [[Point]] {
    var out: [[Point]] = []
    var index = 0
    var remaining = pattern[0]
    var on = true
    var current: [Point] = [pts[0]]
    for i in 0..<(pts.count - 1) {
      var a = pts[i]
      let b = pts[i + 1]
      var length = hypot(b.x - a.x, b.y - a.y)
      while length > remaining {
        let t = remaining / length
        let p = Point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
        if on {
          current.append(p)
          out.append(current)
        } else {
          current = [p]
        }
        length -= remaining
        a = p
        on.toggle()
        index = (index + 1) % pattern.count
        remaining = pattern[index]
      }
      remaining -= length
      if on { current.append(b) }
    }
    if on && current.count > 1 { out.append(current) }
    return out
  }

  /// Max-accumulates the coverage of a thick segment (a capsule) into the mask.
  func strokeSegment(_ a: Point, _ b: Point, width: Double, into m: inout Mask) {
    let half = max(width, 1) / 2
    // Lines thinner than a pixel keep a 1-pixel footprint and fade instead.
    let strength = Float(min(width, 1))
    let pad = half + 1
    let x0 = max(m.x0, Int(floor(min(a.x, b.x) - pad))), x1 = min(m.x1, Int(ceil(max(a.x, b.x) + pad)))
    let y0 = max(m.y0, Int(floor(min(a.y, b.y) - pad))), y1 = min(m.y1, Int(ceil(max(a.y, b.y) + pad)))
    guard x0 < x1, y0 < y1 else { return }
    let dx = b.x - a.x, dy = b.y - a.y
    let len2 = dx * dx + dy * dy
    let w = m.x1 - m.x0
    m.values.withUnsafeMutableBufferPointer { v in
      for y in y0..<y1 {
        let py = Double(y) + 0.5
        for x in x0..<x1 {
          let px = Double(x) + 0.5
          var t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0
          t = min(max(t, 0), 1)
          let ex = px - (a.x + t * dx), ey = py - (a.y + t * dy)
          let d = (ex * ex + ey * ey).squareRoot()
          let c = Float(min(max(half + 0.5 - d, 0), 1)) * strength
          let k = (y - m.y0) * w + (x - m.x0)
          if c > v[k] { v[k] = c }
        }
      }
    }
  }

  /// Fills a disc.
  public func fillCircle(center: Point, radius: Double, color: Color) {
    var m = mask(minX: center.x - radius - 1, minY: center.y - radius - 1, maxX: center.x + radius + 1, maxY: center.y + radius + 1)
    guard !m.isEmpty else { return }
    let w = m.x1 - m.x0
    for y in m.y0..<m.y1 {
      for x in m.x0..<m.x1 {
        let d = hypot(Double(x) + 0.5 - center.x, Double(y) + 0.5 - center.y)
        m.values[(y - m.y0) * w + (x - m.x0)] = Float(min(max(radius + 0.5 - d, 0), 1))
      }
    }
    composite(m, color)
  }

  /// Draws a marker of the given diameter (pixels) centred on `center`.
  public func drawMarker(_ marker: Marker, at center: Point, size: Double, color: Color) {
    let r = size / 2
    let c = center
    switch marker {
    case .circle: fillCircle(center: c, radius: r, color: color)
    case .square:
      let s = r * 0.886  // same area as the circle
      fillRect(Rect(x: c.x - s, y: c.y - s, width: 2 * s, height: 2 * s), color: color)
    case .diamond:
      let s = r * 1.2
      fillPolygon([Point(c.x, c.y - s), Point(c.x + s, c.y), Point(c.x, c.y + s), Point(c.x - s, c.y)], color: color)
    case .triangle:
      let s = r * 1.25
      fillPolygon(
        [Point(c.x, c.y - s), Point(c.x + s * 0.866, c.y + s * 0.5), Point(c.x - s * 0.866, c.y + s * 0.5)],
        color: color)
    case .cross, .plus:
      let lw = max(1.5, size / 4)
      var m = mask(minX: c.x - r - lw, minY: c.y - r - lw, maxX: c.x + r + lw, maxY: c.y + r + lw)
      guard !m.isEmpty else { return }
      let s = marker == .cross ? r * 0.8 : r
      if marker == .cross {
        strokeSegment(Point(c.x - s, c.y - s), Point(c.x + s, c.y + s), width: lw, into: &m)
        strokeSegment(Point(c.x - s, c.y + s), Point(c.x + s, c.y - s), width: lw, into: &m)
      } else {
        strokeSegment(Point(c.x - s, c.y), Point(c.x + s, c.y), width: lw, into: &m)
        strokeSegment(Point(c.x, c.y - s), Point(c.x, c.y + s), width: lw, into: &m)
      }
      composite(m, color)
    }
  }

  // MARK: Images

  /// How `drawImage` resamples.
  public enum Interpolation: Sendable { case nearest, bilinear }

  /// Draws a `columns × rows` grid of colours (row-major, top row first) scaled into `rect`.
  public func drawImage(_ colors: [Color], columns: Int, rows: Int, in rect: Rect, interpolation: Interpolation = .nearest) {
    precondition(colors.count == columns * rows, "image has \(colors.count) colours, expected \(columns * rows)")
    guard columns > 0, rows > 0, rect.width > 0, rect.height > 0 else { return }
    let b = drawableBox
    let x0 = max(b.0, Int(rect.minX.rounded())), x1 = min(b.2, Int(rect.maxX.rounded()))
    let y0 = max(b.1, Int(rect.minY.rounded())), y1 = min(b.3, Int(rect.maxY.rounded()))
    guard x0 < x1, y0 < y1 else { return }
    let sx = Double(columns) / rect.width, sy = Double(rows) / rect.height
    for y in y0..<y1 {
      let v = (Double(y) + 0.5 - rect.minY) * sy
      for x in x0..<x1 {
        let u = (Double(x) + 0.5 - rect.minX) * sx
        let c: Color
        switch interpolation {
        case .nearest:
          c = colors[min(rows - 1, max(0, Int(v))) * columns + min(columns - 1, max(0, Int(u)))]
        case .bilinear:
          let fu = min(max(u - 0.5, 0), Double(columns - 1)), fv = min(max(v - 0.5, 0), Double(rows - 1))
          let i0 = Int(fu), j0 = Int(fv)
          let i1 = min(i0 + 1, columns - 1), j1 = min(j0 + 1, rows - 1)
          let tu = fu - Double(i0), tv = fv - Double(j0)
          let top = colors[j0 * columns + i0].mixed(with: colors[j0 * columns + i1], tu)
          let bottom = colors[j1 * columns + i0].mixed(with: colors[j1 * columns + i1], tu)
          c = top.mixed(with: bottom, tv)
        }
        blendPixel(x, y, c)
      }
    }
  }

  func blendPixel(_ x: Int, _ y: Int, _ c: Color) {
    let k = 4 * (y * width + x)
    let sa = Float(c.alpha)
    guard sa > 0 else { return }
    let da = rgba[k + 3]
    let oa = sa + da * (1 - sa)
    rgba[k] = (Float(c.red) * sa + rgba[k] * da * (1 - sa)) / oa
    rgba[k + 1] = (Float(c.green) * sa + rgba[k + 1] * da * (1 - sa)) / oa
    rgba[k + 2] = (Float(c.blue) * sa + rgba[k + 2] * da * (1 - sa)) / oa
    rgba[k + 3] = oa
  }

  // MARK: Text

  /// Size in pixels of `text` drawn at `scale`: (width, height of the full 9-row cell).
  public static func textSize(_ text: String, scale: Int) -> (width: Double, height: Double) {
    (Double(BitmapFont.width(of: text) * scale), Double(BitmapFont.cellHeight * scale))
  }

  /// Draws `text` with the embedded bitmap font at an integer `scale`, anchored at `point`.
  /// `rotated` draws it reading bottom to top (for y-axis labels); alignment then refers to
  /// the text's own frame. `bold` overstrikes with a one-pixel offset.
  public func drawText(
    _ text: String, at point: Point, scale: Int = 2, color: Color = .black,
    horizontal: HorizontalAlignment = .left, vertical: VerticalAlignment = .baseline,
    rotated: Bool = false, bold: Bool = false
  ) {
    guard !text.isEmpty else { return }
    let s = max(1, scale)
    let w = Double(BitmapFont.width(of: text) * s)
    // Offsets from the anchor to the text cell's top-left corner, along and across the text.
    let along: Double =
      switch horizontal {
      case .left: 0
      case .center: -(w / 2).rounded(.down)
      case .right: -w
      }
    let across: Double =
      switch vertical {
      case .top: 0
      case .center: -Double((BitmapFont.ascent * s) / 2)
      case .baseline: -Double(BitmapFont.ascent * s)
      case .bottom: -Double(BitmapFont.cellHeight * s)
      }
    let ox = point.x.rounded(), oy = point.y.rounded()
    // Cells of one glyph pixel are s × s squares; collect them and fill one mask.
    var rects: [(Double, Double)] = []
    var pen = 0
    for ch in text {
      if let g = BitmapFont.glyph(ch) {
        for (c, r) in g.cells { rects.append((Double((pen + c) * s) + along, Double(r * s) + across)) }
        pen += g.advance + BitmapFont.letterSpacing
      } else {
        pen += BitmapFont.spaceAdvance + BitmapFont.letterSpacing
      }
    }
    let extra = bold ? 1.0 : 0.0
    let ss = Double(s)
    // Map text-frame (u along, v across) to canvas coordinates.
    func corner(_ u: Double, _ v: Double) -> (Double, Double) { rotated ? (ox + v, oy - u) : (ox + u, oy + v) }
    var m: Mask
    if rotated {
      m = mask(minX: ox + across - 2, minY: oy - along - w - 2 - extra, maxX: ox + across + Double(BitmapFont.cellHeight * s) + 2, maxY: oy - along + 2)
    } else {
      m = mask(minX: ox + along - 2, minY: oy + across - 2, maxX: ox + along + w + 2 + extra, maxY: oy + across + Double(BitmapFont.cellHeight * s) + 2)
    }
    guard !m.isEmpty else { return }
    let mw = m.x1 - m.x0
    for (u, v) in rects {
      // Integer anchors and scales make every cell pixel-aligned, so coverage is 0 or 1.
      let (cx, cy) = corner(u, v)
      let (ex, ey) = corner(u + ss + extra, v + ss)
      let xa = Int(min(cx, ex)), xb = Int(max(cx, ex)), ya = Int(min(cy, ey)), yb = Int(max(cy, ey))
      for y in max(ya, m.y0)..<max(min(yb, m.y1), max(ya, m.y0)) {
        for x in max(xa, m.x0)..<max(min(xb, m.x1), max(xa, m.x0)) { m.values[(y - m.y0) * mw + (x - m.x0)] = 1 }
      }
    }
    composite(m, color)
  }

  // MARK: Output

  /// The canvas as an 8-bit image (RGB when fully opaque, otherwise RGBA).
  public func image() -> PNGImage {
    let opaque = stride(from: 3, to: rgba.count, by: 4).allSatisfy { rgba[$0] >= 1 }
    let channels = opaque ? 3 : 4
    var bytes = [UInt8](repeating: 0, count: width * height * channels)
    for i in 0..<(width * height) {
      for c in 0..<channels {
        bytes[i * channels + c] = UInt8(min(max(rgba[4 * i + c], 0), 1) * 255 + 0.5)
      }
    }
    return PNGImage(width: width, height: height, format: opaque ? .rgb : .rgba, pixels: bytes)
  }

  /// PNG file bytes of the canvas.
  public func pngData() -> Data { Data(image().encoded()) }

  /// Writes the canvas as a PNG file.
  public func write(to url: URL) throws { try image().write(to: url) }
}
