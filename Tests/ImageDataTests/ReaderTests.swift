import Foundation
import Testing
import Zlib

@testable import ImageData

/// A fresh temporary folder per test, removed by the caller.
func temporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("imagedata-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Pseudo-random bytes that still compress (runs and repeats), deterministic.
func sampleBytes(_ n: Int, seed: Int = 1) -> [UInt8] {
  (0..<n).map { i in UInt8(truncatingIfNeeded: (i / 7) * 31 + seed * 17 + (i % 5 == 0 ? i * 13 : 0)) }
}

/// A file in Fixtures (written by make_gzip_reference.py).
func fixtureURL(_ name: String) throws -> URL {
  try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"), "missing fixture \(name)")
}

/// The IDX file the Python-written fixtures hold: 25 images of 28×28, sampleBytes(19600, seed: 7).
let pythonFixtureImages = IDXArray(dimensions: [25, 28, 28], bytes: sampleBytes(19_600, seed: 7))

@Suite struct GzipTests {
  @Test func roundTripAtEveryLevel() throws {
    let data = sampleBytes(70_000)  // more than one 65,535-byte stored block
    for level in [Zlib.Level.none, .fastest, .default, .best] {
      let gz = Gzip.compress(data, level: level)
      #expect(Gzip.isGzip(gz))
      #expect(try Gzip.decompress(gz, path: "x.gz") == data, "\(level)")
    }
    #expect(try Gzip.decompress(Gzip.compress([]), path: "empty.gz") == [])
  }

  /// A file written by the system's gzip (dynamic Huffman blocks, FNAME header field).
  @Test func readsSystemGzip() throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let plain = dir.appendingPathComponent("sample.bin")
    let data = sampleBytes(50_000, seed: 3)
    try Data(data).write(to: plain)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-9", "-N", plain.path]
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let gz = try [UInt8](Data(contentsOf: dir.appendingPathComponent("sample.bin.gz")))
    #expect(gz[3] & 0x08 != 0, "gzip -N stores the file name")
    #expect(try Gzip.decompress(gz, path: "sample.bin.gz") == data)
  }

  /// Files written by Python's gzip module: one member with a file name, and two members one
  /// after the other, which read as their contents joined (as gzip(1) and Python read them).
  @Test(arguments: ["python-images-idx3-ubyte.gz", "python-multimember-idx3-ubyte.gz"])
  func readsPythonGzip(fixture: String) throws {
    let url = try fixtureURL(fixture)
    let gz = try [UInt8](Data(contentsOf: url))
    #expect(try Gzip.decompress(gz, path: url.path) == IDX.encode(pythonFixtureImages))
    #expect(try IDX.read(contentsOf: url, magic: IDX.imagesMagic) == pythonFixtureImages)
  }

  @Test func damagedStreamsAreRejected() throws {
    let gz = Gzip.compress(sampleBytes(5000))
    #expect(throws: ImageDataError.corrupt(path: "half.gz", reason: "compressed data ends early (file truncated)")) {
      try Gzip.decompress(Array(gz.prefix(gz.count / 2)), path: "half.gz")
    }
    var flipped = gz
    flipped[gz.count - 6] ^= 0xFF  // CRC byte
    #expect(throws: ImageDataError.corrupt(path: "crc.gz", reason: "gzip CRC-32 mismatch")) {
      try Gzip.decompress(flipped, path: "crc.gz")
    }
    var length = gz
    length[gz.count - 1] ^= 0x01  // length byte
    #expect(throws: ImageDataError.corrupt(path: "length.gz", reason: "gzip length mismatch")) {
      try Gzip.decompress(length, path: "length.gz")
    }
    #expect(throws: ImageDataError.corrupt(path: "tail.gz", reason: "3 bytes follow the end of the compressed data")) {
      try Gzip.decompress(gz + [0, 1, 2], path: "tail.gz")
    }
  }

  /// Damaged copies of a Python-written file, read the way the data sets are: each throws one
  /// line that names the file and says what is wrong with it.
  @Test func damagedFilesNameTheFile() throws {
    let gz = try [UInt8](Data(contentsOf: try fixtureURL("python-images-idx3-ubyte.gz")))
    let truncated = "compressed data ends early (file truncated)"
    var crc = gz
    crc[gz.count - 8] ^= 0x10
    var data = gz
    data[gz.count / 2] ^= 0x55
    let cases: [(name: String, bytes: [UInt8], reason: String?)] = [
      ("cut-in-header", Array(gz.prefix(12)), truncated),
      ("cut-in-data", Array(gz.prefix(gz.count / 2)), truncated),
      ("cut-in-trailer", Array(gz.dropLast(3)), truncated),
      ("bad-crc", crc, "gzip CRC-32 mismatch"),
      ("bad-data", data, nil),  // zlib's message depends on what the flipped bits decode to
    ]
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    for (name, bytes, reason) in cases {
      let file = dir.appendingPathComponent("\(name)-images-idx3-ubyte.gz")
      try Data(bytes).write(to: file)
      let error = #expect(throws: ImageDataError.self, "\(name)") {
        try IDX.read(contentsOf: file, magic: IDX.imagesMagic)
      }
      let message = error.map { "\($0)" } ?? ""
      #expect(message.hasPrefix("\(file.path) is corrupt or truncated: "), "\(name): \(message)")
      #expect(!message.contains("\n"), "\(name): \(message)")
      if let reason { #expect(error == .corrupt(path: file.path, reason: reason), "\(name)") }
    }
  }
}

@Suite struct IDXTests {
  let images = IDXArray(dimensions: [3, 4, 5], bytes: sampleBytes(60))
  let labels = IDXArray(dimensions: [3], bytes: [7, 0, 9])

  @Test func headerLayout() {
    let bytes = IDX.encode(images)
    #expect(Array(bytes.prefix(16)) == [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5])
    #expect(bytes.count == 16 + 60)
  }

  @Test(arguments: [false, true]) func readsPlainAndGzippedFiles(gzip: Bool) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let imageFile = dir.appendingPathComponent(gzip ? "images.idx3.gz" : "images.idx3")
    let labelFile = dir.appendingPathComponent(gzip ? "labels.idx1.gz" : "labels.idx1")
    try Data(IDX.encode(images, gzip: gzip)).write(to: imageFile)
    try Data(IDX.encode(labels, gzip: gzip)).write(to: labelFile)
    #expect(try IDX.read(contentsOf: imageFile, magic: IDX.imagesMagic) == images)
    #expect(try IDX.read(contentsOf: labelFile, magic: IDX.labelsMagic) == labels)
  }

  @Test func wrongMagicNamesTheFile() throws {
    let error = #expect(throws: ImageDataError.self) {
      try IDX.decode(IDX.encode(labels), path: "/d/labels.idx1", magic: IDX.imagesMagic)
    }
    #expect(error == .corrupt(path: "/d/labels.idx1", reason: "IDX magic number 0x00000801, expected 0x00000803"))
  }

  @Test(arguments: [false, true]) func truncatedFileIsReportedClearly(gzip: Bool) throws {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("cut-images-idx3-ubyte" + (gzip ? ".gz" : ""))
    let full = IDX.encode(IDXArray(dimensions: [10, 28, 28], bytes: sampleBytes(7840)), gzip: gzip)
    try Data(full.prefix(full.count - 100)).write(to: file)
    let error = #expect(throws: ImageDataError.self) { try IDX.read(contentsOf: file, magic: IDX.imagesMagic) }
    let message = "\(error.map { "\($0)" } ?? "")"
    #expect(message.contains(file.path))
    #expect(message.contains("truncated"))
    if !gzip {
      #expect(error == .corrupt(path: file.path, reason: "IDX dimensions [10, 28, 28] need 7840 data bytes, found 7740 (file truncated)"))
    }
  }

  @Test func otherDamage() {
    #expect(throws: ImageDataError.self) { try IDX.decode([0, 0, 8], path: "short") }
    #expect(throws: ImageDataError.self) { try IDX.decode([0, 0, 0x0D, 1, 0, 0, 0, 1, 1, 2, 3, 4], path: "float") }
    #expect(throws: ImageDataError.self) { try IDX.decode([0, 0, 8, 2, 0, 0, 0, 2], path: "header") }
    #expect(throws: ImageDataError.self) { try IDX.decode(IDX.encode(labels) + [1], path: "trailing") }
  }

  @Test func missingFileSaysRunMakeData() {
    let error = #expect(throws: ImageDataError.self) {
      try IDX.read(contentsOf: URL(fileURLWithPath: "/nonexistent/t10k-images-idx3-ubyte.gz"))
    }
    #expect(error == .missingFile(path: "/nonexistent/t10k-images-idx3-ubyte.gz"))
    #expect("\(error!)".contains("make data"))
  }
}

@Suite struct PixelCSVTests {
  @Test func readsRowsOfPixelsThenLabel() throws {
    let text = "0,255,3,4,7\n10,20,30,40,2\r\n1,1,1,1,0"  // CRLF and no final newline
    for bytes in [Array(text.utf8), Gzip.compress(Array(text.utf8))] {
      let (pixels, labels) = try PixelCSV.decode(bytes, path: "t.csv", pixelsPerRow: 4)
      #expect(pixels == [0, 255, 3, 4, 10, 20, 30, 40, 1, 1, 1, 1])
      #expect(labels == [7, 2, 0])
    }
  }

  @Test func badRowsNameFileAndLine() {
    #expect(throws: ImageDataError.corrupt(path: "t.csv", reason: "line 2: 4 values, expected 4 pixels and a label")) {
      try PixelCSV.decode(Array("1,2,3,4,5\n1,2,3,4\n".utf8), path: "t.csv", pixelsPerRow: 4)
    }
    #expect(throws: ImageDataError.corrupt(path: "t.csv", reason: "line 1: pixel 1 is 256, above 255")) {
      try PixelCSV.decode(Array("1,256,3,4,5\n".utf8), path: "t.csv", pixelsPerRow: 4)
    }
    #expect(throws: ImageDataError.self) { try PixelCSV.decode(Array("1,2,x,4,5\n".utf8), path: "t.csv", pixelsPerRow: 4) }
    #expect(throws: ImageDataError.self) { try PixelCSV.decode(Array("1,2,,4,5\n".utf8), path: "t.csv", pixelsPerRow: 4) }
  }

  @Test func fixedSplitIsAPermutation() {
    let order = ImageDataset.mnist5kPermutation
    #expect(order.sorted() == Array(0..<5000))
    #expect(order == ImageDataset.mnist5kPermutation)
    #expect(order != Array(0..<5000))
    // Pinned so the split cannot drift silently between versions.
    #expect(Array(order.prefix(5)) == [1720, 650, 1096, 1534, 4333])
  }
}
