import Foundation
import Testing
import Zlib

@testable import Plots

/// Bit-by-bit CRC-32, independent of zlib's.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
  var crc: UInt32 = 0xFFFF_FFFF
  for b in bytes {
    crc ^= UInt32(b)
    for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
  }
  return ~crc
}

func hexBytes(_ s: String) -> [UInt8] {
  var out: [UInt8] = []
  var i = s.startIndex
  while i < s.endIndex {
    let j = s.index(i, offsetBy: 2)
    out.append(UInt8(s[i..<j], radix: 16)!)
    i = j
  }
  return out
}

/// A small deterministic test image with gradients, flat areas and varied alpha.
func testImage(width: Int, height: Int, format: PNGImage.Format) -> PNGImage {
  var px: [UInt8] = []
  for y in 0..<height {
    for x in 0..<width {
      let base: [UInt8] = [UInt8((x * 37) & 0xFF), UInt8((y * 11) & 0xFF), UInt8(x < width / 2 ? 200 : (x ^ y) & 0xFF), UInt8((x + y) * 5 & 0xFF)]
      switch format {
      case .gray: px.append(base[0])
      case .grayAlpha: px += [base[0], base[3]]
      case .rgb: px += base[0..<3]
      case .rgba: px += base
      }
    }
  }
  return PNGImage(width: width, height: height, format: format, pixels: px)
}

/// The chunks of a PNG file after its 8-byte signature, in order, with the CRC each one stores.
func pngChunks(_ bytes: [UInt8]) -> [(type: String, data: [UInt8], crc: UInt32)] {
  func u32(_ i: Int) -> UInt32 {
    UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
  }
  var chunks: [(type: String, data: [UInt8], crc: UInt32)] = []
  var p = 8
  while p + 12 <= bytes.count {
    let length = Int(u32(p))
    guard p + 12 + length <= bytes.count else { break }
    chunks.append((String(decoding: bytes[(p + 4)..<(p + 8)], as: UTF8.self), Array(bytes[(p + 8)..<(p + 8 + length)]), u32(p + 8 + length)))
    p += 12 + length
  }
  return chunks
}

/// png_reference.json, written by Fixtures/make_png_reference.py: per test image, its filtered
/// scanlines' SHA-256 and Python's `zlib.compress` of them at levels 0, 1, 6 and 9.
struct PNGReference: Decodable {
  struct Case: Decodable, CustomTestStringConvertible {
    let format: String
    let width: Int
    let height: Int
    let scanlinesSha256: String
    /// Hex zlib streams, keyed by compression level.
    let idat: [String: String]
    var testDescription: String { "\(format) \(width)×\(height)" }
  }
  let zlibVersion: String
  let cases: [Case]

  static let fixture: PNGReference = {
    let url = Bundle.module.url(forResource: "png_reference", withExtension: "json", subdirectory: "Fixtures")!
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try! decoder.decode(PNGReference.self, from: Data(contentsOf: url))
  }()
}

@Suite struct PNGTests {
  @Test func signatureAndChunkCRCs() {
    let bytes = testImage(width: 5, height: 3, format: .rgba).encoded()
    #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let chunks = pngChunks(bytes)
    for chunk in chunks {
      #expect(chunk.crc == referenceCRC32(Array(chunk.type.utf8) + chunk.data), "CRC of \(chunk.type)")
    }
    #expect(8 + chunks.map { 12 + $0.data.count }.reduce(0, +) == bytes.count)
    #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
    // IHDR: 5 × 3, 8-bit, colour type 6 (RGBA).
    #expect(chunks.first?.data == [0, 0, 0, 5, 0, 0, 0, 3, 8, 6, 0, 0, 0])
  }

  @Test(arguments: [PNGImage.Format.gray, .grayAlpha, .rgb, .rgba])
  func decodedRoundTrip(format: PNGImage.Format) throws {
    let image = testImage(width: 37, height: 23, format: format)
    for level in [Zlib.Level.none, .fastest, .default, .best] {
      #expect(try PNGImage(decoding: image.encoded(compression: level)) == image)
    }
  }

  /// The IDAT chunk holds exactly what Python's `zlib.compress` makes of the same filtered
  /// scanlines at the same level: the encoder hands zlib the rows, filtered as the reference
  /// filters them, with zlib's default settings.
  @Test(arguments: PNGReference.fixture.cases)
  func idatIsPythonsZlibCompress(reference: PNGReference.Case) throws {
    let formats: [String: PNGImage.Format] = ["gray": .gray, "grayAlpha": .grayAlpha, "rgb": .rgb, "rgba": .rgba]
    let format = try #require(formats[reference.format])
    let image = testImage(width: reference.width, height: reference.height, format: format)
    #expect(reference.idat.count == 4)
    for (key, hex) in reference.idat {
      let level = Zlib.Level(try #require(Int(key)))
      let idat = try #require(pngChunks(image.encoded(compression: level)).first { $0.type == "IDAT" }).data
      #expect(try sha256Hex(Zlib.decompress(idat)) == reference.scanlinesSha256, "filtered scanlines at \(level)")
      let versions = "fixture from zlib \(PNGReference.fixture.zlibVersion), this process runs zlib \(Zlib.version)"
      #expect(idat == hexBytes(hex), "IDAT at \(level) is not Python's zlib.compress (\(versions))")
    }
  }

  @Test func corruptChunkIsRejected() {
    var bytes = testImage(width: 4, height: 4, format: .rgb).encoded()
    bytes[20] ^= 0x01  // inside IHDR data
    #expect(throws: PNGImage.DecodeError.badCRC(chunk: "IHDR")) { try PNGImage(decoding: bytes) }
  }

  /// Damaged image data behind a valid chunk CRC: zlib's Adler-32 check catches it.
  @Test func corruptImageDataIsRejected() throws {
    var bytes = testImage(width: 4, height: 4, format: .rgb).encoded(compression: .none)
    let idatStart = 8 + 25 + 8  // signature, IHDR chunk, IDAT length and type
    let idatLength = pngChunks(bytes)[1].data.count
    bytes[idatStart + 10] ^= 0x01  // a pixel byte inside the stored block
    let crc = Zlib.crc32(bytes[idatStart..<(idatStart + idatLength)], continuing: Zlib.crc32(Array("IDAT".utf8)))
    bytes.replaceSubrange((idatStart + idatLength)..<(idatStart + idatLength + 4), with: PNGImage.bigEndian(crc))
    #expect(throws: Zlib.DecodeError.checkMismatch("zlib Adler-32")) { try PNGImage(decoding: bytes) }
  }

  /// Decodes with Pillow (Debian's python3-pil, installed by `make deps`), an independent decoder,
  /// at every compression level the tests use.
  @Test func pillowReadsOurPNG() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plots-tests-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var files: [URL] = []
    var expected: [String] = []
    for (format, mode) in [(PNGImage.Format.rgb, "RGB"), (.rgba, "RGBA"), (.gray, "L")] {
      let image = testImage(width: 19, height: 13, format: format)
      for level in [Zlib.Level.none, .fastest, .default, .best] {
        let url = dir.appendingPathComponent("\(mode)-\(level.value).png")
        try image.write(to: url, compression: level)
        files.append(url)
        expected.append("\(mode) 19 13 \(try sha256Hex(image.pixels))")
      }
    }
    let script = """
      import sys, hashlib
      from PIL import Image
      for path in sys.argv[1:]:
          im = Image.open(path); im.load()
          print(im.mode, im.size[0], im.size[1], hashlib.sha256(im.tobytes()).hexdigest())
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    process.arguments = ["-c", script] + files.map(\.path)
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "python3 with PIL must be installed (make deps)")
    #expect(output.split(separator: "\n").map(String.init) == expected)
  }
}

/// SHA-256 via Python's hashlib would be circular; use coreutils' sha256sum instead.
func sha256Hex(_ bytes: [UInt8]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
  let input = Pipe(), output = Pipe()
  process.standardInput = input
  process.standardOutput = output
  try process.run()
  input.fileHandleForWriting.write(Data(bytes))
  try input.fileHandleForWriting.close()
  process.waitUntilExit()
  let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  return String(text.prefix(64))
}
