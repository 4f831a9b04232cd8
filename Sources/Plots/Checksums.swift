/// The checksums PNG and zlib need: CRC-32 (ISO 3309, the one PNG chunks carry) and
/// Adler-32 (the zlib stream trailer).
public enum Checksum {
  /// The table-driven CRC-32 of reflected polynomial 0xEDB88320.
  @usableFromInline static let crcTable: [UInt32] = (0..<256).map { n in
    var c = UInt32(n)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// CRC-32 of `bytes`, continuing from `crc` (pass the result of a previous call to chain).
  /// Inlinable so that callers in other modules get it specialised for their byte sequence
  /// (the generic version walked a gzip'd data set byte by byte through witness tables).
  @inlinable public static func crc32<S: Sequence>(_ bytes: S, continuing crc: UInt32 = 0) -> UInt32
  where S.Element == UInt8 {
    var c = ~crc
    crcTable.withUnsafeBufferPointer { table in
      for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    }
    return ~c
  }

  /// Adler-32 of `bytes` (1 for empty input), as zlib defines it.
  public static func adler32(_ bytes: [UInt8]) -> UInt32 {
    var a: UInt32 = 1
    var b: UInt32 = 0
    // 5552 is the longest run for which `b` cannot overflow 32 bits before the modulo.
    bytes.withUnsafeBufferPointer { buf in
      var i = 0
      while i < buf.count {
        let end = min(i + 5552, buf.count)
        while i < end {
          a &+= UInt32(buf[i])
          b &+= a
          i += 1
        }
        a %= 65521
        b %= 65521
      }
    }
    return (b << 16) | a
  }
}
