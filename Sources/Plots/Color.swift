/// An sRGB colour with straight (non-premultiplied) alpha, components in 0...1.
public struct Color: Sendable, Hashable {
  public var red: Double
  public var green: Double
  public var blue: Double
  public var alpha: Double

  public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
    self.red = red
    self.green = green
    self.blue = blue
    self.alpha = alpha
  }

  /// A colour from 0xRRGGBB.
  public init(hex: UInt32, alpha: Double = 1) {
    self.init(
      red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255,
      blue: Double(hex & 0xFF) / 255, alpha: alpha)
  }

  /// A grey of the given lightness (0 black, 1 white).
  public init(gray: Double, alpha: Double = 1) {
    self.init(red: gray, green: gray, blue: gray, alpha: alpha)
  }

  /// The same colour with its alpha multiplied by `factor`.
  public func opacity(_ factor: Double) -> Color {
    Color(red: red, green: green, blue: blue, alpha: alpha * factor)
  }

  /// Linear interpolation towards `other` (t = 0 gives self).
  public func mixed(with other: Color, _ t: Double) -> Color {
    Color(
      red: red + (other.red - red) * t, green: green + (other.green - green) * t,
      blue: blue + (other.blue - blue) * t, alpha: alpha + (other.alpha - alpha) * t)
  }

  public static let black = Color(hex: 0x000000)
  public static let white = Color(hex: 0xFFFFFF)
  public static let gray = Color(hex: 0x7F7F7F)
  public static let lightGray = Color(hex: 0xD0D0D0)
  public static let darkGray = Color(hex: 0x404040)
  public static let clear = Color(red: 0, green: 0, blue: 0, alpha: 0)

  // The categorical palette: ten well-separated hues in the spirit of Tableau's "tab10".
  public static let blue = Color(hex: 0x1F77B4)
  public static let orange = Color(hex: 0xFF7F0E)
  public static let green = Color(hex: 0x2CA02C)
  public static let red = Color(hex: 0xD62728)
  public static let purple = Color(hex: 0x9467BD)
  public static let brown = Color(hex: 0x8C564B)
  public static let pink = Color(hex: 0xE377C2)
  public static let olive = Color(hex: 0xBCBD22)
  public static let cyan = Color(hex: 0x17BECF)
  /// A muted blue-grey for unobserved pixels in image-completion grids.
  public static let unobserved = Color(hex: 0x3A5F8A)

  /// The ten categorical colours used when a plot call gives no colour.
  public static let palette: [Color] = [.blue, .orange, .green, .red, .purple, .brown, .pink, .gray, .olive, .cyan]

  /// The `index`-th palette colour, cycling.
  public static func palette(_ index: Int) -> Color {
    palette[((index % palette.count) + palette.count) % palette.count]
  }
}

/// Maps a scalar in 0...1 to a colour.
public enum Colormap: Sendable, Hashable {
  /// Black to white.
  case gray
  /// Perceptually uniform dark-purple → teal → yellow (viridis).
  case viridis
  /// Diverging blue → white → red, for decision surfaces and signed quantities.
  case blueRed
  /// Piecewise-linear through the given colours, evenly spaced.
  case custom([Color])

  // Anchor colours of viridis at t = 0, 0.1, ..., 1, interpolated linearly in between.
  static let viridisAnchors: [Color] = [
    0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884, 0x44BF70, 0x7AD151,
    0xBDDF26, 0xFDE725,
  ].map { Color(hex: $0) }
  static let blueRedAnchors: [Color] = [0x3B4CC0, 0x8DB0FE, 0xF2F2F2, 0xF49A7B, 0xB40426].map { Color(hex: $0) }

  var anchors: [Color] {
    switch self {
    case .gray: [.black, .white]
    case .viridis: Self.viridisAnchors
    case .blueRed: Self.blueRedAnchors
    case .custom(let colors): colors.isEmpty ? [.black, .white] : colors
    }
  }

  /// The colour at `t`, clamped to 0...1 (NaN maps to the low end).
  public func color(at t: Double) -> Color {
    let stops = anchors
    guard stops.count > 1 else { return stops[0] }
    let u = t.isNaN ? 0 : min(max(t, 0), 1) * Double(stops.count - 1)
    let i = min(Int(u), stops.count - 2)
    return stops[i].mixed(with: stops[i + 1], u - Double(i))
  }
}
