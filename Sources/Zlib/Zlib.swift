import CZlib

/// The system zlib for the two containers Penumbra reads and writes: zlib streams (RFC 1950),
/// which PNG's IDAT chunks hold, and gzip files (RFC 1952), the form the MNIST-family data sets
/// ship in; plus CRC-32, PNG's chunk checksum.
///
/// Whole buffers in, whole buffers out: the inputs are figures and data files of a few
/// megabytes, read and written in one piece. zlib does the checking too (the Adler-32, CRC-32
/// and length trailers), so a buffer that comes back is the one that was compressed.
public enum Zlib {
  /// A compression level, 0 (stored blocks, no compression) to 9 (smallest output, slowest).
  public struct Level: Sendable, Hashable, CustomStringConvertible {
    public let value: Int

    public init(_ value: Int) {
      precondition((0...9).contains(value), "zlib compression levels run from 0 (none) to 9 (best), got \(value)")
      self.value = value
    }

    /// Stored blocks: the data as is, framed (for tests, or data that is already compressed).
    public static let none = Level(0)
    public static let fastest = Level(1)
    /// zlib's own default (`Z_DEFAULT_COMPRESSION`), which Python's `zlib.compress` and libpng use.
    public static let `default` = Level(6)
    public static let best = Level(9)

    public var description: String { "level \(value)" }
  }

  /// Why compressed data could not be decoded. Descriptions are phrased to follow "… is corrupt
  /// or truncated: " in a message that names the file.
  public enum DecodeError: Error, Equatable, CustomStringConvertible {
    /// The input ends before the compressed stream does: a cut-off file or download.
    case truncated
    /// The data decoded, but disagrees with a check value in its trailer ("gzip CRC-32",
    /// "gzip length", "zlib Adler-32"): the bytes were altered.
    case checkMismatch(String)
    /// Not valid compressed data; zlib's own message, e.g. "invalid block type".
    case invalid(String)
    /// This many bytes follow the end of the compressed stream (and do not start another gzip
    /// member).
    case trailingData(Int)

    public var description: String {
      switch self {
      case .truncated: "compressed data ends early (file truncated)"
      case .checkMismatch(let check): "\(check) mismatch"
      case .invalid(let message): "invalid compressed data (zlib: \(message))"
      case .trailingData(let count): "\(count) bytes follow the end of the compressed data"
      }
    }
  }

  /// The version of the zlib this process runs, e.g. "1.2.13".
  public static var version: String { String(cString: zlibVersion()) }

  // MARK: zlib streams

  /// `data` as a zlib stream: the same bytes as Python's `zlib.compress(data, level)` against
  /// the same zlib, since both call deflate with zlib's default window, memory level and strategy.
  public static func compress(_ data: [UInt8], level: Level = .default) -> [UInt8] {
    deflate(data, level: level, gzip: false)
  }

  /// The contents of a zlib stream, checked against its Adler-32 trailer.
  public static func decompress(_ data: [UInt8]) throws(DecodeError) -> [UInt8] {
    try inflate(data, gzip: false, capacity: 4 * data.count)
  }

  // MARK: gzip files

  /// True when `bytes` start with the gzip magic number 1f 8b.
  public static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
    bytes.starts(with: [0x1F, 0x8B])
  }

  /// `data` as a single-member gzip file (no file name, modification time 0).
  public static func gzip(_ data: [UInt8], level: Level = .default) -> [UInt8] {
    deflate(data, level: level, gzip: true)
  }

  /// The contents of a gzip file, each member checked against the CRC-32 and length in its
  /// trailer. Members written one after another (`cat a.gz b.gz`) decode to their contents
  /// joined, as gzip(1) and Python's `gzip` module read them.
  public static func gunzip(_ data: [UInt8]) throws(DecodeError) -> [UInt8] {
    // The last 4 bytes record the (last member's) length mod 2^32: the exact size for a file
    // gzip wrote, so the output is allocated once. A cut-off file ends in arbitrary bytes, so the
    // hint is trusted up to 16 times the input (the data sets compress 2 to 9 times); beyond that
    // the output grows as it fills.
    var recorded = 0
    for byte in data.suffix(4).reversed() { recorded = recorded << 8 | Int(byte) }
    return try inflate(data, gzip: true, capacity: min(recorded, 16 * data.count))
  }

  // MARK: CRC-32

  /// The CRC-32 (ISO 3309, as PNG and gzip use it) of `bytes`, continuing from `crc`: pass the
  /// result of a previous call to checksum data that arrives in pieces.
  public static func crc32(_ bytes: some Collection<UInt8>, continuing crc: UInt32 = 0) -> UInt32 {
    func update(_ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
      // zlib reads a NULL buffer as a request for the initial value, so empty input is skipped.
      guard let base = buffer.baseAddress, !buffer.isEmpty else { return crc }
      return UInt32(truncatingIfNeeded: crc32_z(UInt(crc), base, buffer.count))
    }
    return bytes.withContiguousStorageIfAvailable(update) ?? Array(bytes).withUnsafeBufferPointer(update)
  }

  // MARK: Shared by both containers

  /// Compresses `data` into a zlib stream or (`gzip`) a gzip member in one call: `deflateBound`
  /// sizes the output so that a single `deflate(Z_FINISH)` finishes the stream.
  static func deflate(_ data: [UInt8], level: Level, gzip: Bool) -> [UInt8] {
    precondition(data.count <= Int(UInt32.max), "Zlib compresses at most 4 GiB at once, got \(data.count) bytes")
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)  // zlib keeps its address
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    let initialized = czlib_deflate_init(stream, Int32(level.value), gzip ? 16 + MAX_WBITS : MAX_WBITS)
    precondition(initialized == Z_OK, "zlib's deflateInit2 failed with status \(initialized) (out of memory?)")
    defer { deflateEnd(stream) }

    var output = [UInt8](repeating: 0, count: Int(deflateBound(stream, UInt(data.count))))
    let produced = data.withUnsafeBufferPointer { input in
      output.withUnsafeMutableBufferPointer { out in
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)  // zlib only reads it
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = out.baseAddress
        stream.pointee.avail_out = UInt32(out.count)
        let status = CZlib.deflate(stream, Z_FINISH)
        precondition(status == Z_STREAM_END, "zlib's deflate returned \(status) with room for deflateBound's bytes")
        return out.count - Int(stream.pointee.avail_out)
      }
    }
    output.removeLast(output.count - produced)
    return output
  }

  /// Decompresses `data` with zlib's inflate, a zlib stream or (`gzip`) gzip members, growing
  /// the output from `capacity` bytes as needed.
  static func inflate(_ data: [UInt8], gzip: Bool, capacity: Int) throws(DecodeError) -> [UInt8] {
    guard !data.isEmpty else { throw .truncated }
    let windowBits = gzip ? 16 + MAX_WBITS : MAX_WBITS
    let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)  // zlib keeps its address
    stream.initialize(to: z_stream())
    defer { stream.deallocate() }
    let initialized = czlib_inflate_init(stream, windowBits)
    precondition(initialized == Z_OK, "zlib's inflateInit2 failed with status \(initialized) (out of memory?)")
    defer { inflateEnd(stream) }

    var output = [UInt8](repeating: 0, count: max(capacity, 1024))
    var produced = 0
    var consumed = 0
    while true {
      if produced == output.count { output += repeatElement(0, count: output.count) }
      // Each call gets the rest of the input and of the output (up to zlib's 32-bit counts).
      let status = data.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out in
          let inputChunk = min(input.count - consumed, Int(UInt32.max))
          let outputChunk = min(out.count - produced, Int(UInt32.max))
          stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
          stream.pointee.avail_in = UInt32(inputChunk)
          stream.pointee.next_out = out.baseAddress! + produced
          stream.pointee.avail_out = UInt32(outputChunk)
          let status = CZlib.inflate(stream, Z_NO_FLUSH)
          consumed += inputChunk - Int(stream.pointee.avail_in)
          produced += outputChunk - Int(stream.pointee.avail_out)
          return status
        }
      }
      switch status {
      case Z_OK:
        continue
      case Z_STREAM_END:
        if consumed == data.count {
          output.removeLast(output.count - produced)
          return output
        }
        // Another gzip member, or bytes that do not belong to the file.
        guard gzip, isGzip(data[consumed...]) else { throw .trailingData(data.count - consumed) }
        inflateReset(stream)
      case Z_BUF_ERROR:
        // No progress possible: the output always has room, so the input ran out mid-stream.
        throw .truncated
      case Z_DATA_ERROR:
        let message = stream.pointee.msg.map { String(cString: $0) } ?? "no message"
        switch message {  // zlib's wording for a failed trailer check, stable since 1.2
        case "incorrect data check": throw .checkMismatch(gzip ? "gzip CRC-32" : "zlib Adler-32")
        case "incorrect length check": throw .checkMismatch("gzip length")
        default: throw .invalid(message)
        }
      case Z_NEED_DICT:
        throw .invalid("the stream needs a preset dictionary")
      default:
        preconditionFailure("zlib's inflate returned status \(status) (out of memory?)")
      }
    }
  }
}
