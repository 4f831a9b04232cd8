import Plots

/// gzip (RFC 1952) decoding on top of Plots' DEFLATE decoder.
public enum Gzip {
  /// True when `bytes` start with the gzip magic number 1f 8b.
  public static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// The decompressed contents of a single-member gzip file, checked against the CRC-32 and
  /// length in its trailer. Throws `ImageDataError.corrupt` naming `path` on any damage.
  public static func decompress(_ bytes: [UInt8], path: String) throws -> [UInt8] {
    func corrupt(_ reason: String) -> ImageDataError { .corrupt(path: path, reason: reason) }
    // Header: magic, method, flags, mtime (4), extra flags, OS; then optional fields.
    guard bytes.count >= 18 else { throw corrupt("gzip stream of \(bytes.count) bytes is shorter than its header and trailer") }
    guard isGzip(bytes) else { throw corrupt("no gzip magic number") }
    guard bytes[2] == 8 else { throw corrupt("gzip compression method \(bytes[2]) is not DEFLATE") }
    let flags = bytes[3]
    guard flags & 0xE0 == 0 else { throw corrupt("reserved gzip header flags set") }
    var p = 10
    if flags & 0x04 != 0 {  // FEXTRA: two-byte length, then that many bytes
      guard p + 2 <= bytes.count else { throw corrupt("gzip header truncated") }
      p += 2 + (Int(bytes[p]) | Int(bytes[p + 1]) << 8)
    }
    for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
      while p < bytes.count && bytes[p] != 0 { p += 1 }
      p += 1
    }
    if flags & 0x02 != 0 { p += 2 }  // FHCRC
    guard p + 8 <= bytes.count else { throw corrupt("gzip header truncated") }

    // Plots' public decoder does not report where the stream ends, so the trailer is taken as
    // the last 8 bytes: right for single-member files (what gzip writes); the CRC check
    // rejects anything else rather than returning partial data.
    let end = bytes.count - 8
    let out: [UInt8]
    do {
      out = try Deflate.inflate(Array(bytes[p...]))
    } catch Deflate.DecodeError.truncated {
      throw corrupt("compressed data ends early (file truncated)")
    } catch {
      throw corrupt("invalid compressed data (\(error))")
    }
    func le32(_ i: Int) -> UInt32 {
      UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
    }
    guard le32(end + 4) == UInt32(truncatingIfNeeded: out.count) else {
      throw corrupt("decompressed \(out.count) bytes but the gzip trailer records \(le32(end + 4)) (truncated or multi-member file)")
    }
    guard le32(end) == Checksum.crc32(out) else { throw corrupt("gzip CRC-32 mismatch") }
    return out
  }

  /// A gzip file holding `data`, compressed with Plots' fixed-code DEFLATE encoder (or in
  /// stored blocks when `stored`); for tests and small fixtures.
  public static func compress(_ data: [UInt8], stored: Bool = false) -> [UInt8] {
    // zlibCompress wraps raw DEFLATE in a 2-byte header and 4-byte Adler-32 trailer.
    let zlib = Deflate.zlibCompress(data, level: stored ? .none : .fast)
    var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 255]
    out += zlib[2..<(zlib.count - 4)]
    let crc = Checksum.crc32(data)
    let size = UInt32(truncatingIfNeeded: data.count)
    for v in [crc, size] { out += (0..<4).map { UInt8((v >> (8 * UInt32($0))) & 0xFF) } }
    return out
  }
}
