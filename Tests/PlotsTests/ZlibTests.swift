import Foundation
import Testing
import Zlib

/// The Swift wrappers over the system zlib that PNG encoding uses (and ImageData's gzip reader,
/// tested in ImageDataTests).
@Suite struct ZlibTests {
  @Test func crc32KnownValues() {
    #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(Zlib.crc32([UInt8]()) == 0)
    let chained = Zlib.crc32(Array("56789".utf8), continuing: Zlib.crc32(Array("1234".utf8)))
    #expect(chained == 0xCBF4_3926)
    #expect(Zlib.crc32([UInt8](), continuing: 0xCBF4_3926) == 0xCBF4_3926, "empty input leaves the CRC unchanged")
  }

  /// Slices, arrays and collections without contiguous storage checksum alike, and agree with
  /// the bit-by-bit reference.
  @Test func crc32OfAnyByteCollection() {
    let data = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) }
    let expected = referenceCRC32(Array(data[100..<15_000]))
    #expect(Zlib.crc32(data[100..<15_000]) == expected)
    #expect(Zlib.crc32((100..<15_000).lazy.map { data[$0] }) == expected)
  }

  @Test(arguments: [Zlib.Level.none, .fastest, .default, .best])
  func roundTrip(level: Zlib.Level) throws {
    var rng = SystemRandomNumberGenerator()
    let random = (0..<70000).map { _ in UInt8.random(in: 0...255, using: &rng) }
    let runs = [UInt8](repeating: 7, count: 100_000) + Array("abcabcabcabd".utf8) + random.prefix(500)
    for data in [[], [42], random, runs] {
      let z = Zlib.compress(data, level: level)
      #expect(try Zlib.decompress(z) == data)
    }
  }

  @Test func compressesRepetitiveData() {
    let data = [UInt8](repeating: 255, count: 300_000)
    #expect(Zlib.compress(data).count < 3_000)
    #expect(Zlib.compress(data, level: .none).count > data.count)
  }

  @Test func inflatesZlibDynamicHuffmanStream() throws {
    // Written by CPython's zlib.compress(level 9): one dynamic-Huffman block.
    let stream = hexBytes(
      "78da6d52410ec3200cfb0a5fcbba88552aed44d1b4e7afc58686ac1720d8719c405259439494247c24cfb24e1ab2c6ac25c8f27e497868915024c7e3a69ed399b16599162585e853970336595db01fea357856b7e348a6b821d311b7a138036e4ec95a622df4bacfd1768c4bdb25f5c023c0f2205b1637e2285ac7f437bc3bebe04fdb5af4db8bf8c954b9c661620b2b06a7d0824333e7bb6e86ec1680611fe0f69d50205d7fa7e5bbf9b319ab41ed9a7b2dae23175e46e0cfcdaa2228087cfc278cc616fd673f5dfc00c6901ff2"
    )
    #expect((stream[2] >> 1) & 3 == 2)
    let out = try Zlib.decompress(stream)
    #expect(out.count == 780)
    #expect(String(decoding: out.prefix(27), as: UTF8.self) == "mean gamma variance regret ")
    #expect(Zlib.crc32(out) == 3_940_816_690)
  }

  @Test func rejectsDamagedStreams() {
    let z = Zlib.compress(Array("hello, hello, hello".utf8))
    var flipped = z
    flipped[z.count - 1] ^= 1
    #expect(throws: Zlib.DecodeError.checkMismatch("zlib Adler-32")) { try Zlib.decompress(flipped) }
    #expect(throws: Zlib.DecodeError.invalid("incorrect header check")) { try Zlib.decompress([0x78, 0x02, 0, 0, 0, 0]) }
    #expect(throws: Zlib.DecodeError.truncated) { try Zlib.decompress(Array(z.dropLast(2))) }
    #expect(throws: Zlib.DecodeError.truncated) { try Zlib.decompress([]) }
    #expect(throws: Zlib.DecodeError.trailingData(1)) { try Zlib.decompress(z + [0]) }
    // A gzip file is not a zlib stream, and the reverse.
    #expect(throws: Zlib.DecodeError.self) { try Zlib.decompress(Zlib.gzip([1, 2, 3])) }
    #expect(throws: Zlib.DecodeError.self) { try Zlib.gunzip(z) }
  }

  /// Concatenated gzip members read as one file; anything else after a member is an error.
  @Test func gzipMembers() throws {
    let first = Array("first member, ".utf8)
    let second = (0..<5000).map { UInt8(truncatingIfNeeded: $0 / 3) }
    #expect(try Zlib.gunzip(Zlib.gzip(first) + Zlib.gzip(second, level: .best)) == first + second)
    #expect(throws: Zlib.DecodeError.trailingData(2)) { try Zlib.gunzip(Zlib.gzip(first) + [0x1F, 0x00]) }
    #expect(throws: Zlib.DecodeError.truncated) { try Zlib.gunzip(Zlib.gzip(first) + [0x1F, 0x8B]) }
  }
}
