import Foundation

/// An unsigned-byte IDX array (the MNIST file format): its dimensions and row-major bytes.
public struct IDXArray: Sendable, Equatable {
  /// Sizes from the header, outermost first: [count, rows, columns] for images.
  public var dimensions: [Int]
  /// The elements, row-major.
  public var bytes: [UInt8]

  /// An array of `dimensions` holding `bytes`; their counts must agree.
  public init(dimensions: [Int], bytes: [UInt8]) {
    precondition(dimensions.reduce(1, *) == bytes.count, "IDX dimensions \(dimensions) need \(dimensions.reduce(1, *)) bytes, got \(bytes.count)")
    self.dimensions = dimensions
    self.bytes = bytes
  }
}

/// Reader and writer for IDX files (http://yann.lecun.com/exdb/mnist/), plain or gzipped.
///
/// Layout: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, each
/// dimension as a big-endian UInt32, then the data. MNIST-style image files are 0x00000803
/// ([count, rows, columns]) and label files 0x00000801 ([count]).
public enum IDX {
  /// Magic number of a 3-D unsigned-byte file (images).
  public static let imagesMagic: UInt32 = 0x0000_0803
  /// Magic number of a 1-D unsigned-byte file (labels).
  public static let labelsMagic: UInt32 = 0x0000_0801

  /// Reads the IDX file at `url` (gzip-compressed when it starts with the gzip magic number).
  ///
  /// - Parameter magic: the magic number the file must carry (e.g. `IDX.imagesMagic`), or nil
  ///   to accept any unsigned-byte IDX file.
  /// - Throws: `ImageDataError.missingFile` or `.corrupt` naming the file.
  public static func read(contentsOf url: URL, magic: UInt32? = nil) throws -> IDXArray {
    try decode(try readBytes(url), path: url.path, magic: magic)
  }

  /// Parses IDX bytes (gzipped or plain); `path` names the source in errors.
  public static func decode(_ fileBytes: [UInt8], path: String, magic: UInt32? = nil) throws -> IDXArray {
    let bytes = Gzip.isGzip(fileBytes) ? try Gzip.decompress(fileBytes, path: path) : fileBytes
    func corrupt(_ reason: String) -> ImageDataError { .corrupt(path: path, reason: reason) }
    guard bytes.count >= 4 else { throw corrupt("\(bytes.count) bytes is too short for an IDX header") }
    let found = readUInt32(bytes, 0)
    if let magic, found != magic {
      throw corrupt("IDX magic number \(hex(found)), expected \(hex(magic))")
    }
    guard bytes[0] == 0, bytes[1] == 0 else { throw corrupt("IDX magic number \(hex(found)) does not start with two zero bytes") }
    guard bytes[2] == 0x08 else { throw corrupt("IDX element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte (0x08)") }
    let rank = Int(bytes[3])
    guard rank >= 1 else { throw corrupt("IDX file has no dimensions") }
    let headerSize = 4 + 4 * rank
    guard bytes.count >= headerSize else { throw corrupt("IDX header of \(rank) dimensions is truncated") }
    let dimensions = (0..<rank).map { Int(readUInt32(bytes, 4 + 4 * $0)) }
    // Multiply with overflow checks: a damaged header can claim absurd sizes.
    var count = 1
    for d in dimensions {
      let (product, overflow) = count.multipliedReportingOverflow(by: d)
      guard !overflow else { throw corrupt("IDX dimensions \(dimensions) overflow") }
      count = product
    }
    let payload = bytes.count - headerSize
    guard payload >= count else {
      throw corrupt("IDX dimensions \(dimensions) need \(count) data bytes, found \(payload) (file truncated)")
    }
    guard payload == count else {
      throw corrupt("IDX dimensions \(dimensions) need \(count) data bytes, found \(payload) (trailing data)")
    }
    return IDXArray(dimensions: dimensions, bytes: Array(bytes[headerSize...]))
  }

  /// The IDX encoding of `array` (gzipped when `gzip` is true).
  public static func encode(_ array: IDXArray, gzip: Bool = false) -> [UInt8] {
    var out: [UInt8] = [0, 0, 0x08, UInt8(array.dimensions.count)]
    for d in array.dimensions { out += bigEndian(UInt32(d)) }
    out += array.bytes
    return gzip ? Gzip.compress(out) : out
  }

  static func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
  }

  static func bigEndian(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
  }

  static func hex(_ v: UInt32) -> String {
    let digits = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
  }
}
