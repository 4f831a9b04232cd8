import Zlib

/// gzip files (RFC 1952) for the data-set readers: the system zlib, with its errors reported as
/// `ImageDataError`s that name the file.
public enum Gzip {
  /// True when `bytes` start with the gzip magic number 1f 8b.
  public static func isGzip(_ bytes: [UInt8]) -> Bool { Zlib.isGzip(bytes) }

  /// The decompressed contents of a gzip file (all its members, joined), checked against the
  /// CRC-32 and length in each trailer. Throws `ImageDataError.corrupt` naming `path` on any
  /// damage, e.g. "… is corrupt or truncated: compressed data ends early (file truncated)".
  public static func decompress(_ bytes: [UInt8], path: String) throws -> [UInt8] {
    do {
      return try Zlib.gunzip(bytes)
    } catch {
      throw ImageDataError.corrupt(path: path, reason: error.description)
    }
  }

  /// A gzip file holding `data`; for tests and small fixtures.
  public static func compress(_ data: [UInt8], level: Zlib.Level = .default) -> [UInt8] {
    Zlib.gzip(data, level: level)
  }
}
