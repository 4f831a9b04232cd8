import Foundation
import Testing

@testable import Plots

/// Bit-by-bit CRC-32, independent of the table-driven one under test.
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

@Suite struct ChecksumTests {
  @Test func knownValues() {
    #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(Checksum.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    #expect(Checksum.adler32([]) == 1)
    let chained = Checksum.crc32(Array("56789".utf8), continuing: Checksum.crc32(Array("1234".utf8)))
    #expect(chained == 0xCBF4_3926)
  }

  @Test func adlerLongInputMatchesDirectSum() {
    // Longer than the 5552-byte block so the deferred modulo is exercised.
    let data = (0..<20000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
    var a = 1, b = 0
    for x in data {
      a = (a + Int(x)) % 65521
      b = (b + a) % 65521
    }
    #expect(Checksum.adler32(data) == UInt32(b << 16 | a))
  }
}

@Suite struct DeflateTests {
  @Test(arguments: [Deflate.Level.none, .fast])
  func roundTrip(level: Deflate.Level) throws {
    var rng = SystemRandomNumberGenerator()
    let random = (0..<70000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let runs = [UInt8](repeating: 7, count: 100_000) + Array("abcabcabcabd".utf8) + random.prefix(500)
    for data in [[], [42], random, runs] {
      let z = Deflate.zlibCompress(data, level: level)
      #expect(try Deflate.zlibDecompress(z) == data)
    }
  }

  @Test func compressesRepetitiveData() {
    let data = [UInt8](repeating: 255, count: 300_000)
    #expect(Deflate.zlibCompress(data).count < 3_000)
  }

  @Test func inflatesZlibDynamicHuffmanStream() throws {
    // Written by CPython's zlib.compress(level 9): one dynamic-Huffman block.
    let stream = hexBytes(
      "78da6d52410ec3200cfb0a5fcbba88552aed44d1b4e7afc58686ac1720d8719c405259439494247c24cfb24e1ab2c6ac25c8f27e497868915024c7e3a69ed399b16599162585e853970336595db01fea357856b7e348a6b821d311b7a138036e4ec95a622df4bacfd1768c4bdb25f5c023c0f2205b1637e2285ac7f437bc3bebe04fdb5af4db8bf8c954b9c661620b2b06a7d0824333e7bb6e86ec1680611fe0f69d50205d7fa7e5bbf9b319ab41ed9a7b2dae23175e46e0cfcdaa2228087cfc278cc616fd673f5dfc00c6901ff2"
    )
    #expect((stream[2] >> 1) & 3 == 2)
    let out = try Deflate.zlibDecompress(stream)
    #expect(out.count == 780)
    #expect(String(decoding: out.prefix(27), as: UTF8.self) == "mean gamma variance regret ")
    #expect(Checksum.crc32(out) == 3_940_816_690)
  }

  /// A stored block after a Huffman block: the decoder reads bits ahead to decode short codes
  /// in one step, and must hand those bytes back when the stored block starts.
  @Test func storedBlockAfterHuffmanBlock() throws {
    let first = Array("a block of fixed Huffman codes, then a stored block".utf8)
    let second = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
    var w = Deflate.BitWriter()
    w.write(0, bits: 1)  // not final
    w.write(1, bits: 2)  // fixed codes
    for symbol in first.map(Int.init) + [256] {  // literals, end of block
      w.write(Deflate.fixedLiteralCodes[symbol], bits: Deflate.fixedLiteralLengths[symbol])
    }
    w.write(1, bits: 1)  // final
    w.write(0, bits: 2)  // stored
    w.alignToByte()
    let n = second.count
    let stream = w.bytes + [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)] + second
    #expect(try Deflate.inflate(stream) == first + second)
  }

  @Test func rejectsCorruptStreams() {
    var z = Deflate.zlibCompress(Array("hello, hello, hello".utf8))
    z[z.count - 1] ^= 1
    #expect(throws: Deflate.DecodeError.checksumMismatch) { try Deflate.zlibDecompress(z) }
    #expect(throws: Deflate.DecodeError.badHeader) { try Deflate.zlibDecompress([0x78, 0x02, 0, 0, 0, 0]) }
  }
}

@Suite struct PNGTests {
  @Test func signatureAndChunkCRCs() {
    let bytes = testImage(width: 5, height: 3, format: .rgba).encoded()
    #expect(Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    var p = 8
    var types: [String] = []
    while p < bytes.count {
      let length = Int(bytes[p]) << 24 | Int(bytes[p + 1]) << 16 | Int(bytes[p + 2]) << 8 | Int(bytes[p + 3])
      let typeAndData = Array(bytes[(p + 4)..<(p + 8 + length)])
      let crc = UInt32(bytes[p + 8 + length]) << 24 | UInt32(bytes[p + 9 + length]) << 16
        | UInt32(bytes[p + 10 + length]) << 8 | UInt32(bytes[p + 11 + length])
      types.append(String(decoding: typeAndData[0..<4], as: UTF8.self))
      #expect(crc == referenceCRC32(typeAndData), "CRC of \(types.last!)")
      p += 12 + length
    }
    #expect(p == bytes.count)
    #expect(types == ["IHDR", "IDAT", "IEND"])
    // IHDR: 5 × 3, 8-bit, colour type 6 (RGBA).
    #expect(Array(bytes[16..<29]) == [0, 0, 0, 5, 0, 0, 0, 3, 8, 6, 0, 0, 0])
  }

  @Test(arguments: [PNGImage.Format.gray, .grayAlpha, .rgb, .rgba])
  func decodedRoundTrip(format: PNGImage.Format) throws {
    let image = testImage(width: 37, height: 23, format: format)
    for level in [Deflate.Level.none, .fast] {
      #expect(try PNGImage(decoding: image.encoded(compression: level)) == image)
    }
  }

  @Test func corruptChunkIsRejected() {
    var bytes = testImage(width: 4, height: 4, format: .rgb).encoded()
    bytes[20] ^= 0x01  // inside IHDR data
    #expect(throws: PNGImage.DecodeError.badCRC(chunk: "IHDR")) { try PNGImage(decoding: bytes) }
  }

  /// Decodes with Pillow (Debian's python3-pil, installed by `make deps`), an independent decoder.
  @Test func pillowReadsOurPNG() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plots-tests-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for (format, mode) in [(PNGImage.Format.rgb, "RGB"), (.rgba, "RGBA")] {
      let image = testImage(width: 19, height: 13, format: format)
      let url = dir.appendingPathComponent("\(mode).png")
      try image.write(to: url)
      let script = """
        import sys, hashlib
        from PIL import Image
        im = Image.open(sys.argv[1]); im.load()
        print(im.mode, im.size[0], im.size[1], hashlib.sha256(im.tobytes()).hexdigest())
        """
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
      process.arguments = ["-c", script, url.path]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      process.waitUntilExit()
      let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      #expect(process.terminationStatus == 0, "python3 with PIL must be installed (make deps)")
      let expectedHash = try sha256Hex(image.pixels)
      #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(mode) 19 13 \(expectedHash)")
    }
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
