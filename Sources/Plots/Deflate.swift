/// A small DEFLATE (RFC 1951) / zlib (RFC 1950) codec, so PNG output needs no system library.
///
/// The compressor uses LZ77 with hash chains and the fixed Huffman code: plots are mostly flat
/// colour, which long back-references capture well, and fixed codes keep the encoder short.
/// The decompressor reads all three block types (stored, fixed, dynamic) so it can also read
/// PNGs written by other tools.
public enum Deflate {
  /// How `zlibCompress` encodes its data.
  public enum Level: Sendable {
    /// Stored (uncompressed) blocks only.
    case none
    /// LZ77 with fixed Huffman codes.
    case fast
  }

  /// Errors from `zlibDecompress` / `inflate`.
  public enum DecodeError: Error, Equatable {
    case truncated
    case badHeader
    case badBlockType
    case badStoredLength
    case badCode
    case badDistance
    case checksumMismatch
  }

  // MARK: Tables shared by both directions

  static let lengthBase: [Int] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
    131, 163, 195, 227, 258,
  ]
  static let lengthExtra: [Int] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
  ]
  static let distanceBase: [Int] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
  ]
  static let distanceExtra: [Int] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
  ]

  /// Code lengths of the fixed literal/length code (RFC 1951 §3.2.6).
  static let fixedLiteralLengths: [Int] = (0..<288).map { s in
    s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8
  }

  /// Canonical Huffman codes for the given code lengths, bit-reversed so they can be written
  /// least-significant bit first as DEFLATE's bit order requires.
  static func reversedCanonicalCodes(_ lengths: [Int]) -> [UInt32] {
    let maxLength = lengths.max() ?? 0
    var count = [Int](repeating: 0, count: maxLength + 1)
    for l in lengths where l > 0 { count[l] += 1 }
    var next = [Int](repeating: 0, count: maxLength + 2)
    var code = 0
    for bits in 1...max(maxLength, 1) {
      code = (code + (bits - 1 < count.count ? count[bits - 1] : 0)) << 1
      next[bits] = code
    }
    return lengths.map { l in
      guard l > 0 else { return 0 }
      let c = next[l]
      next[l] += 1
      var r: UInt32 = 0
      for i in 0..<l where (c >> i) & 1 != 0 { r |= 1 << (l - 1 - i) }
      return r
    }
  }

  static let fixedLiteralCodes = reversedCanonicalCodes(fixedLiteralLengths)
  static let fixedDistanceCodes = reversedCanonicalCodes([Int](repeating: 5, count: 30))

  // MARK: Compression

  /// LSB-first bit packer.
  struct BitWriter {
    var bytes: [UInt8] = []
    var buffer: UInt64 = 0
    var count = 0

    mutating func write(_ value: UInt32, bits: Int) {
      buffer |= UInt64(value) << UInt64(count)
      count += bits
      while count >= 8 {
        bytes.append(UInt8(truncatingIfNeeded: buffer))
        buffer >>= 8
        count -= 8
      }
    }

    mutating func alignToByte() {
      if count > 0 { write(0, bits: 8 - count) }
    }
  }

  /// A zlib stream (2-byte header, DEFLATE data, Adler-32 trailer) holding `data`.
  public static func zlibCompress(_ data: [UInt8], level: Level = .fast) -> [UInt8] {
    // CMF 0x78: deflate, 32 KiB window; FLG 0x01 makes the 16-bit header a multiple of 31.
    var out: [UInt8] = [0x78, 0x01]
    switch level {
    case .none: out += storedBlocks(data)
    case .fast: out += fixedHuffmanBlock(data)
    }
    let adler = Checksum.adler32(data)
    out += [UInt8(adler >> 24), UInt8((adler >> 16) & 0xFF), UInt8((adler >> 8) & 0xFF), UInt8(adler & 0xFF)]
    return out
  }

  /// Raw DEFLATE data made of stored blocks (at most 65,535 bytes each).
  static func storedBlocks(_ data: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(data.count + data.count / 65535 * 5 + 5)
    var start = 0
    repeat {
      let n = min(65535, data.count - start)
      let final: UInt8 = start + n == data.count ? 1 : 0
      out.append(final)  // BFINAL, BTYPE = 00, padded to the byte boundary
      out += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
      out += data[start..<start + n]
      start += n
    } while start < data.count
    return out
  }

  /// Raw DEFLATE data: one fixed-Huffman block of LZ77 literals and matches.
  static func fixedHuffmanBlock(_ data: [UInt8]) -> [UInt8] {
    var w = BitWriter()
    w.bytes.reserveCapacity(data.count / 4 + 16)
    w.write(1, bits: 1)  // BFINAL
    w.write(1, bits: 2)  // BTYPE = 01, fixed codes

    let litCodes = fixedLiteralCodes
    let litLengths = fixedLiteralLengths
    let distCodes = fixedDistanceCodes

    func emitLiteral(_ w: inout BitWriter, _ symbol: Int) {
      w.write(litCodes[symbol], bits: litLengths[symbol])
    }

    func emitMatch(_ w: inout BitWriter, length: Int, distance: Int) {
      var li = lengthBase.count - 1
      while lengthBase[li] > length { li -= 1 }
      emitLiteral(&w, 257 + li)
      if lengthExtra[li] > 0 { w.write(UInt32(length - lengthBase[li]), bits: lengthExtra[li]) }
      var di = distanceBase.count - 1
      while distanceBase[di] > distance { di -= 1 }
      w.write(distCodes[di], bits: 5)
      if distanceExtra[di] > 0 { w.write(UInt32(distance - distanceBase[di]), bits: distanceExtra[di]) }
    }

    let windowSize = 1 << 15
    let windowMask = windowSize - 1
    let hashBits = 15
    let maxChain = 48
    let minMatch = 3
    let maxMatch = 258
    var head = [Int32](repeating: -1, count: 1 << hashBits)
    var prev = [Int32](repeating: -1, count: windowSize)

    data.withUnsafeBufferPointer { src in
      let n = src.count
      @inline(__always) func hash(_ i: Int) -> Int {
        let v = (Int(src[i]) << 16) | (Int(src[i + 1]) << 8) | Int(src[i + 2])
        return ((v &* 0x9E37_79B1) >> (32 - hashBits)) & ((1 << hashBits) - 1)
      }
      @inline(__always) func insert(_ i: Int) {
        let h = hash(i)
        prev[i & windowMask] = head[h]
        head[h] = Int32(i)
      }
      var i = 0
      while i < n {
        var bestLength = 0
        var bestDistance = 0
        if i + minMatch <= n {
          let limit = min(maxMatch, n - i)
          var candidate = Int(head[hash(i)])
          var chain = maxChain
          while candidate >= 0 && i - candidate <= windowSize - 1 && chain > 0 {
            // Cheap reject: the byte that would extend the best match must agree.
            if src[candidate + bestLength] == src[i + bestLength] || bestLength == 0 {
              var l = 0
              while l < limit && src[candidate + l] == src[i + l] { l += 1 }
              if l > bestLength {
                bestLength = l
                bestDistance = i - candidate
                if l == limit { break }
              }
            }
            let p = Int(prev[candidate & windowMask])
            if p >= candidate { break }  // slot was reused by a newer position
            candidate = p
            chain -= 1
          }
        }
        if bestLength >= minMatch {
          emitMatch(&w, length: bestLength, distance: bestDistance)
          let end = i + bestLength
          while i < end {
            if i + minMatch <= n { insert(i) }
            i += 1
          }
        } else {
          emitLiteral(&w, Int(src[i]))
          if i + minMatch <= n { insert(i) }
          i += 1
        }
      }
    }
    emitLiteral(&w, 256)  // end of block
    w.alignToByte()
    return w.bytes
  }

  // MARK: Decompression

  /// Canonical Huffman decoding table: counts per code length and symbols in code order, plus
  /// a lookup table that decodes the short codes, which carry most symbols, in one step.
  struct Huffman {
    var counts: [Int]
    var symbols: [Int]
    /// Indexed by the next `fastBits` bits of the stream: symbol << 4 | code length for codes
    /// of at most `fastBits` bits, 0 where a longer code starts.
    var fast: [UInt16]
    static let fastBits = 9

    init(lengths: [Int]) {
      counts = [Int](repeating: 0, count: 16)
      for l in lengths { counts[l] += 1 }
      counts[0] = 0
      var offsets = [Int](repeating: 0, count: 16)
      for l in 1..<15 { offsets[l + 1] = offsets[l] + counts[l] }
      symbols = [Int](repeating: 0, count: lengths.count)
      for (s, l) in lengths.enumerated() where l > 0 {
        symbols[offsets[l]] = s
        offsets[l] += 1
      }
      fast = [UInt16](repeating: 0, count: 1 << Self.fastBits)
      for (s, (l, code)) in zip(lengths, reversedCanonicalCodes(lengths)).enumerated() where l > 0 && l <= Self.fastBits {
        // Every continuation of the code's bits to `fastBits` bits decodes to this symbol.
        for index in stride(from: Int(code), to: fast.count, by: 1 << l) { fast[index] = UInt16(s << 4 | l) }
      }
    }
  }

  /// LSB-first bit reader over the compressed bytes.
  struct BitReader {
    let bytes: [UInt8]
    var position: Int
    var bitBuffer: UInt32 = 0
    var bitCount = 0

    /// Loads whole bytes while the buffer has room for one, so it holds at least 25 bits unless
    /// the stream ends first; `alignToByte` hands back what was read ahead.
    mutating func refill() {
      while bitCount <= 24 && position < bytes.count {
        bitBuffer |= UInt32(bytes[position]) << UInt32(bitCount)
        position += 1
        bitCount += 8
      }
    }

    /// The next `n` bits (at most 25; DEFLATE's fields take at most 13).
    mutating func bits(_ n: Int) throws -> Int {
      assert(n <= 25)
      if bitCount < n { refill() }
      guard bitCount >= n else { throw DecodeError.truncated }
      let v = Int(bitBuffer & ((1 << UInt32(n)) - 1))
      bitBuffer >>= UInt32(n)
      bitCount -= n
      return v
    }

    /// Drops the bits of a partly read byte and hands back the whole bytes read ahead.
    mutating func alignToByte() {
      position -= bitCount / 8
      bitBuffer = 0
      bitCount = 0
    }

    mutating func decode(_ h: Huffman) throws -> Int {
      // Short codes: look up the next bits at once (near the end of the stream fewer bits may
      // be left than `fastBits`; an entry is used only if its code fits in what is there).
      refill()
      let entry = Int(h.fast[Int(bitBuffer & ((1 << UInt32(Huffman.fastBits)) - 1))])
      let length = entry & 15
      if entry != 0 && length <= bitCount {
        bitBuffer >>= UInt32(length)
        bitCount -= length
        return entry >> 4
      }
      // Longer codes: walk the canonical code one bit at a time (codes are stored MSB-first).
      var code = 0
      var first = 0
      var index = 0
      for length in 1..<16 {
        code |= try bits(1)
        let count = h.counts[length]
        if code - count < first { return h.symbols[index + (code - first)] }
        index += count
        first = (first + count) << 1
        code <<= 1
      }
      throw DecodeError.badCode
    }
  }

  /// Decodes a zlib stream, checking its header and Adler-32 trailer.
  public static func zlibDecompress(_ data: [UInt8]) throws -> [UInt8] {
    guard data.count >= 6 else { throw DecodeError.truncated }
    let cmf = Int(data[0])
    let flg = Int(data[1])
    guard cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0, flg & 0x20 == 0 else {
      throw DecodeError.badHeader
    }
    var reader = BitReader(bytes: data, position: 2)
    let out = try inflate(&reader)
    let p = reader.position
    guard p + 4 <= data.count else { throw DecodeError.truncated }
    let stored = UInt32(data[p]) << 24 | UInt32(data[p + 1]) << 16 | UInt32(data[p + 2]) << 8 | UInt32(data[p + 3])
    guard stored == Checksum.adler32(out) else { throw DecodeError.checksumMismatch }
    return out
  }

  /// Decodes raw DEFLATE data.
  public static func inflate(_ data: [UInt8]) throws -> [UInt8] {
    var reader = BitReader(bytes: data, position: 0)
    return try inflate(&reader)
  }

  static func inflate(_ r: inout BitReader) throws -> [UInt8] {
    var out: [UInt8] = []
    var final = false
    let fixedLit = Huffman(lengths: fixedLiteralLengths)
    let fixedDist = Huffman(lengths: [Int](repeating: 5, count: 30))
    while !final {
      final = try r.bits(1) == 1
      switch try r.bits(2) {
      case 0:
        // Stored: drop the partial byte, then LEN and its complement.
        r.alignToByte()
        guard r.position + 4 <= r.bytes.count else { throw DecodeError.truncated }
        let len = Int(r.bytes[r.position]) | Int(r.bytes[r.position + 1]) << 8
        let nlen = Int(r.bytes[r.position + 2]) | Int(r.bytes[r.position + 3]) << 8
        guard len == ~nlen & 0xFFFF else { throw DecodeError.badStoredLength }
        r.position += 4
        guard r.position + len <= r.bytes.count else { throw DecodeError.truncated }
        out += r.bytes[r.position..<r.position + len]
        r.position += len
      case 1:
        try inflateBlock(&r, &out, fixedLit, fixedDist)
      case 2:
        let (lit, dist) = try readDynamicTables(&r)
        try inflateBlock(&r, &out, lit, dist)
      default:
        throw DecodeError.badBlockType
      }
    }
    r.alignToByte()  // the zlib trailer follows the last block
    return out
  }

  static func readDynamicTables(_ r: inout BitReader) throws -> (Huffman, Huffman) {
    let nlen = try r.bits(5) + 257
    let ndist = try r.bits(5) + 1
    let ncode = try r.bits(4) + 4
    let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    var codeLengths = [Int](repeating: 0, count: 19)
    for i in 0..<ncode { codeLengths[order[i]] = try r.bits(3) }
    let codeHuffman = Huffman(lengths: codeLengths)
    var lengths: [Int] = []
    while lengths.count < nlen + ndist {
      let sym = try r.decode(codeHuffman)
      switch sym {
      case 0..<16: lengths.append(sym)
      case 16:
        guard let last = lengths.last else { throw DecodeError.badCode }
        lengths += [Int](repeating: last, count: 3 + (try r.bits(2)))
      case 17: lengths += [Int](repeating: 0, count: 3 + (try r.bits(3)))
      default: lengths += [Int](repeating: 0, count: 11 + (try r.bits(7)))
      }
    }
    guard lengths.count == nlen + ndist else { throw DecodeError.badCode }
    return (Huffman(lengths: Array(lengths[0..<nlen])), Huffman(lengths: Array(lengths[nlen...])))
  }

  static func inflateBlock(_ r: inout BitReader, _ out: inout [UInt8], _ lit: Huffman, _ dist: Huffman) throws {
    while true {
      let sym = try r.decode(lit)
      if sym < 256 {
        out.append(UInt8(sym))
      } else if sym == 256 {
        return
      } else {
        let li = sym - 257
        guard li < lengthBase.count else { throw DecodeError.badCode }
        let length = lengthBase[li] + (try r.bits(lengthExtra[li]))
        let di = try r.decode(dist)
        guard di < distanceBase.count else { throw DecodeError.badDistance }
        let distance = distanceBase[di] + (try r.bits(distanceExtra[di]))
        guard distance <= out.count else { throw DecodeError.badDistance }
        let start = out.count - distance
        for k in 0..<length { out.append(out[start + k]) }
      }
    }
  }
}
