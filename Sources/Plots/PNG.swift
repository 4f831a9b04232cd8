import Foundation
import Zlib

/// An 8-bit raster image and its PNG encoding (colour types RGB, RGBA, grey, grey+alpha).
public struct PNGImage: Sendable, Equatable {
  /// Samples per pixel and their meaning.
  public enum Format: Int, Sendable {
    case gray = 1, grayAlpha = 2, rgb = 3, rgba = 4

    /// The PNG IHDR colour type.
    var colorType: UInt8 {
      switch self {
      case .gray: 0
      case .grayAlpha: 4
      case .rgb: 2
      case .rgba: 6
      }
    }

    init?(colorType: UInt8) {
      switch colorType {
      case 0: self = .gray
      case 4: self = .grayAlpha
      case 2: self = .rgb
      case 6: self = .rgba
      default: return nil
      }
    }
  }

  /// Errors reading a PNG.
  public enum DecodeError: Error, Equatable {
    case notPNG
    case truncated
    case badCRC(chunk: String)
    case unsupported(String)
    case badFilter(UInt8)
    case sizeMismatch
  }

  public let width: Int
  public let height: Int
  public let format: Format
  /// Row-major samples, `width * height * format.rawValue` bytes, rows top to bottom.
  public var pixels: [UInt8]

  /// An image from raw samples; `pixels.count` must be `width * height * format.rawValue`.
  public init(width: Int, height: Int, format: Format, pixels: [UInt8]) {
    precondition(width > 0 && height > 0, "PNG images need a positive size")
    precondition(pixels.count == width * height * format.rawValue, "pixel count does not match the size")
    self.width = width
    self.height = height
    self.format = format
    self.pixels = pixels
  }

  /// The 8-byte PNG signature.
  public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  // MARK: Encoding

  /// The PNG file bytes. Each row gets the filter (of PNG's five) with the smallest sum of
  /// absolute residuals, the usual heuristic, before zlib compression at `compression` (zlib's
  /// default level, as libpng's, unless given).
  public func encoded(compression: Zlib.Level = .default) -> [UInt8] {
    let bpp = format.rawValue
    let stride = width * bpp
    var filtered = [UInt8]()
    filtered.reserveCapacity((stride + 1) * height)
    var candidate = [UInt8](repeating: 0, count: stride)
    var best = [UInt8](repeating: 0, count: stride)
    pixels.withUnsafeBufferPointer { px in
      for y in 0..<height {
        let row = y * stride
        let upRow = (y - 1) * stride
        var bestType: UInt8 = 0
        var bestScore = Int.max
        for type in UInt8(0)...4 {
          var score = 0
          for i in 0..<stride {
            let a = i >= bpp ? Int(px[row + i - bpp]) : 0
            let b = y > 0 ? Int(px[upRow + i]) : 0
            let c = i >= bpp && y > 0 ? Int(px[upRow + i - bpp]) : 0
            let predictor: Int
            switch type {
            case 0: predictor = 0
            case 1: predictor = a
            case 2: predictor = b
            case 3: predictor = (a + b) / 2
            default: predictor = Self.paeth(a, b, c)
            }
            let v = UInt8(truncatingIfNeeded: Int(px[row + i]) - predictor)
            candidate[i] = v
            score += v < 128 ? Int(v) : 256 - Int(v)
          }
          if score < bestScore {
            bestScore = score
            bestType = type
            swap(&best, &candidate)
          }
        }
        filtered.append(bestType)
        filtered += best
      }
    }

    var out = Self.signature
    var header = [UInt8]()
    header += Self.bigEndian(UInt32(width))
    header += Self.bigEndian(UInt32(height))
    header += [8, format.colorType, 0, 0, 0]  // bit depth, colour type, deflate, adaptive filters, no interlace
    Self.appendChunk("IHDR", header, to: &out)
    Self.appendChunk("IDAT", Zlib.compress(filtered, level: compression), to: &out)
    Self.appendChunk("IEND", [], to: &out)
    return out
  }

  /// Writes the PNG file to `url` (atomically).
  public func write(to url: URL, compression: Zlib.Level = .default) throws {
    try Data(encoded(compression: compression)).write(to: url, options: .atomic)
  }

  static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
    let p = a + b - c
    let pa = abs(p - a)
    let pb = abs(p - b)
    let pc = abs(p - c)
    if pa <= pb && pa <= pc { return a }
    return pb <= pc ? b : c
  }

  static func bigEndian(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
  }

  static func appendChunk(_ type: String, _ data: [UInt8], to out: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    out += bigEndian(UInt32(data.count))
    out += typeBytes
    out += data
    out += bigEndian(Zlib.crc32(data, continuing: Zlib.crc32(typeBytes)))
  }

  // MARK: Decoding

  /// Decodes a non-interlaced 8-bit PNG of colour type grey, grey+alpha, RGB or RGBA,
  /// checking every chunk's CRC and the zlib checksum (damaged image data throws
  /// `Zlib.DecodeError`).
  public init(decoding bytes: [UInt8]) throws {
    guard bytes.count >= 8, Array(bytes[0..<8]) == Self.signature else { throw DecodeError.notPNG }
    var p = 8
    var header: [UInt8]?
    var idat: [UInt8] = []
    func u32(_ i: Int) -> Int {
      Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
    }
    chunks: while true {
      guard p + 12 <= bytes.count else { throw DecodeError.truncated }
      let length = u32(p)
      guard p + 12 + length <= bytes.count else { throw DecodeError.truncated }
      let typeBytes = bytes[(p + 4)..<(p + 8)]
      let type = String(decoding: typeBytes, as: UTF8.self)
      let body = bytes[(p + 8)..<(p + 8 + length)]
      let crc = UInt32(u32(p + 8 + length))
      guard Zlib.crc32(body, continuing: Zlib.crc32(typeBytes)) == crc else {
        throw DecodeError.badCRC(chunk: type)
      }
      switch type {
      case "IHDR": header = Array(body)
      case "IDAT": idat += body
      case "IEND": break chunks
      default: break  // ancillary chunks are skipped
      }
      p += 12 + length
    }
    guard let h = header, h.count == 13 else { throw DecodeError.unsupported("missing IHDR") }
    let width = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
    let height = Int(h[4]) << 24 | Int(h[5]) << 16 | Int(h[6]) << 8 | Int(h[7])
    guard h[8] == 8 else { throw DecodeError.unsupported("bit depth \(h[8])") }
    guard let format = Format(colorType: h[9]) else { throw DecodeError.unsupported("colour type \(h[9])") }
    guard h[12] == 0 else { throw DecodeError.unsupported("interlacing") }
    let raw = try Zlib.decompress(idat)
    let bpp = format.rawValue
    let stride = width * bpp
    guard raw.count == (stride + 1) * height else { throw DecodeError.sizeMismatch }
    var pixels = [UInt8](repeating: 0, count: stride * height)
    for y in 0..<height {
      let type = raw[y * (stride + 1)]
      let src = y * (stride + 1) + 1
      let dst = y * stride
      for i in 0..<stride {
        let a = i >= bpp ? Int(pixels[dst + i - bpp]) : 0
        let b = y > 0 ? Int(pixels[dst - stride + i]) : 0
        let c = i >= bpp && y > 0 ? Int(pixels[dst - stride + i - bpp]) : 0
        let predictor: Int
        switch type {
        case 0: predictor = 0
        case 1: predictor = a
        case 2: predictor = b
        case 3: predictor = (a + b) / 2
        case 4: predictor = Self.paeth(a, b, c)
        default: throw DecodeError.badFilter(type)
        }
        pixels[dst + i] = UInt8(truncatingIfNeeded: Int(raw[src + i]) + predictor)
      }
    }
    self.init(width: width, height: height, format: format, pixels: pixels)
  }

  /// Reads and decodes the PNG file at `url`.
  public init(contentsOf url: URL) throws {
    try self.init(decoding: [UInt8](try Data(contentsOf: url)))
  }
}
