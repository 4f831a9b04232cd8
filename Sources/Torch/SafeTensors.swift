import CTorch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Why a safetensors file could not be read or written, naming the file.
public struct SafeTensorsError: Error, CustomStringConvertible, Equatable {
  /// The kind of problem, for callers that branch on it.
  public enum Reason: String, Sendable, Equatable {
    /// Fewer than the 8 bytes of the header length (or an empty header).
    case tooShort
    /// The header length points past the end of the file.
    case headerLengthBeyondFile
    /// The header is not a JSON object of the expected form.
    case invalidHeader
    /// A dtype this reader does not know or cannot represent.
    case unknownDType
    /// Offsets that do not fit the shape and dtype, overlap, leave gaps or fall outside the data.
    case invalidOffsets
    /// The file ends before the data the header describes.
    case truncatedData
    /// A tensor that cannot be written (undefined).
    case invalidTensor
    /// The file system refused a read or write.
    case io
  }

  public let file: URL
  public let reason: Reason
  /// What exactly is wrong, in words.
  public let detail: String

  public init(file: URL, reason: Reason, detail: String) {
    self.file = file
    self.reason = reason
    self.detail = detail
  }

  public var description: String { "safetensors file \(file.path): \(detail)" }
}

/// The contents of a safetensors file: tensors in data order, and the `__metadata__` strings.
public struct SafeTensorsFile {
  /// Tensors ordered by their position in the data section (the order they were written in).
  public var tensors: [(name: String, tensor: Tensor)]
  public var metadata: [String: String]

  public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The tensor called `name`, if any.
  public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

  /// Tensors keyed by name (for `Module.loadStateDict`).
  public var dictionary: [String: Tensor] {
    Dictionary(tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
  }
}

/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian header length, a JSON header mapping each tensor name to
/// `{dtype, shape, data_offsets}` (offsets relative to the data section) plus an optional
/// `__metadata__` string map, then the raw little-endian tensor bytes.
public enum SafeTensors {
  /// The dtype names of the format, for the element types Penumbra supports.
  static let dtypeNames: [DType: String] = [
    .float32: "F32", .float64: "F64", .int64: "I64", .int32: "I32", .uint8: "U8", .bool: "BOOL",
  ]
  static let dtypesByName: [String: DType] = Dictionary(
    uniqueKeysWithValues: dtypeNames.map { ($0.value, $0.key) })
  /// Valid safetensors dtypes this reader cannot represent, to tell them apart from garbage.
  static let unsupportedDTypeNames: Set<String> = [
    "F16", "BF16", "I8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3",
    "F6_E3M2", "E8M0", "C64",
  ]

  /// Raw bytes are copied as they are, so the host must be little-endian like the format.
  static var hostIsLittleEndian: Bool { 1.littleEndian == 1 }

  // MARK: Writing

  /// Writes `tensors` (in this order) and `metadata` to `url`, atomically.
  ///
  /// The file is written to a temporary file in the same directory, flushed to disk and
  /// renamed over `url`, so readers see either the old file or the complete new one. Tensors
  /// are stored contiguous, on the CPU, detached from autograd. Names must be unique and must
  /// not be `__metadata__`.
  public static func write(
    _ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL
  ) throws {
    func failure(_ reason: SafeTensorsError.Reason, _ detail: String) -> SafeTensorsError {
      SafeTensorsError(file: url, reason: reason, detail: detail)
    }
    guard hostIsLittleEndian else { throw failure(.io, "writing needs a little-endian host") }

    // Header: entries in the given order, each tensor's bytes following the previous one's.
    var seen = Set<String>()
    var entries: [String] = []
    var layouts: [(tensor: Tensor, dtype: DType, bytes: Int)] = []
    var offset = 0
    for (name, tensor) in tensors {
      guard name != "__metadata__" else { throw failure(.invalidTensor, "'__metadata__' cannot name a tensor") }
      guard seen.insert(name).inserted else { throw failure(.invalidTensor, "tensor '\(name)' appears twice") }
      guard tensor.isDefined else { throw failure(.invalidTensor, "tensor '\(name)' is undefined") }
      let dtype = tensor.dtype
      let shape = tensor.shape
      let bytes = tensor.count * dtype.byteCount
      let shapeText = shape.map(String.init).joined(separator: ",")
      entries.append(
        "\(jsonString(name)):{\"dtype\":\"\(dtypeNames[dtype]!)\",\"shape\":[\(shapeText)],"
          + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
      layouts.append((tensor, dtype, bytes))
      offset += bytes
    }
    if !metadata.isEmpty {
      let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
      entries.insert("\"__metadata__\":{\(pairs.joined(separator: ","))}", at: 0)
    }
    var header = Array("{\(entries.joined(separator: ","))}".utf8)
    // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }

    let directory = url.deletingLastPathComponent()
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw failure(.io, "cannot create temporary file \(temporary.lastPathComponent): \(errnoText())")
    }
    var committed = false
    defer {
      if !committed { unlink(temporary.path) }
    }
    do {
      defer { close(descriptor) }
      var prefix = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
      prefix += header
      try writeAll(descriptor, prefix, url: url)
      // One tensor at a time: the whole data section is never held in memory at once.
      for (name, (tensor, dtype, bytes)) in zip(tensors.map(\.name), layouts) where bytes > 0 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 16)
        defer { buffer.deallocate() }
        let status = tensor.withHandle { pt_copy_to($0, buffer.baseAddress, bytes, dtype.rawValue) }
        guard status == 0 else {
          throw failure(.invalidTensor, "cannot read tensor '\(name)': \(lastTorchError())")
        }
        try writeAll(descriptor, UnsafeRawBufferPointer(buffer), url: url)
      }
      guard fsync(descriptor) == 0 else { throw failure(.io, "fsync failed: \(errnoText())") }
    }
    guard rename(temporary.path, url.path) == 0 else {
      throw failure(.io, "cannot rename the temporary file over the target: \(errnoText())")
    }
    committed = true
    // Persist the rename itself; failure here does not undo a complete, renamed file.
    let directoryDescriptor = open(directory.path, O_RDONLY | O_CLOEXEC)
    if directoryDescriptor >= 0 {
      _ = fsync(directoryDescriptor)
      close(directoryDescriptor)
    }
  }

  private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], url: URL) throws {
    try bytes.withUnsafeBytes { try writeAll(descriptor, $0, url: url) }
  }

  private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, url: URL) throws {
    var done = 0
    while done < bytes.count {
      let written = posixWrite(descriptor, bytes.baseAddress! + done, bytes.count - done)
      if written < 0 {
        if errno == EINTR { continue }
        throw SafeTensorsError(file: url, reason: .io, detail: "write failed: \(errnoText())")
      }
      done += written
    }
  }

  #if canImport(Glibc)
    private static let posixWrite = Glibc.write
  #else
    private static let posixWrite = Darwin.write
  #endif

  private static func errnoText() -> String { String(cString: strerror(errno)) }

  /// `text` as a JSON string literal.
  static func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\r": result += "\\r"
      case "\t": result += "\\t"
      case _ where scalar.value < 0x20:
        result += String(format: "\\u%04x", scalar.value)
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }

  // MARK: Reading

  /// Reads every tensor and the metadata of the safetensors file at `url`.
  ///
  /// Everything is validated before any tensor is created; a malformed file throws a
  /// `SafeTensorsError` saying what is wrong, never traps.
  public static func read(from url: URL) throws -> SafeTensorsFile {
    func failure(_ reason: SafeTensorsError.Reason, _ detail: String) -> SafeTensorsError {
      SafeTensorsError(file: url, reason: reason, detail: detail)
    }
    guard hostIsLittleEndian else { throw failure(.io, "reading needs a little-endian host") }
    let data: Data
    do {
      // Mapped: tensor bytes are copied straight from the page cache into libtorch.
      data = try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
      throw failure(.io, "cannot read the file: \(error.localizedDescription)")
    }
    let header = try parseHeader(data, url: url)
    let dataStart = 8 + header.length
    let tensors: [(name: String, tensor: Tensor)]
    do {
      tensors = try withTorchErrors {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
          header.entries.map { entry in
            let pointer = raw.baseAddress! + dataStart + entry.begin
            let tensor = withInt64s(entry.shape) { dims, rank in
              wrap(pt_from_data(pointer, dims, rank, entry.dtype.rawValue))
            }
            return (entry.name, tensor)
          }
        }
      }
    } catch let error as TorchError {
      throw failure(.io, "cannot create tensors: \(error.message)")
    }
    return SafeTensorsFile(tensors: tensors, metadata: header.metadata)
  }

  /// Reads only the metadata of the file at `url` (the header is still fully validated).
  public static func readMetadata(from url: URL) throws -> [String: String] {
    let data: Data
    do {
      data = try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
      throw SafeTensorsError(file: url, reason: .io, detail: "cannot read the file: \(error.localizedDescription)")
    }
    return try parseHeader(data, url: url).metadata
  }

  struct Entry {
    let name: String
    let dtype: DType
    let shape: [Int]
    let begin: Int
    let end: Int
  }

  struct Header {
    let length: Int
    let entries: [Entry]
    let metadata: [String: String]
  }

  /// Parses and checks the header against the file's size.
  static func parseHeader(_ data: Data, url: URL) throws -> Header {
    func failure(_ reason: SafeTensorsError.Reason, _ detail: String) -> SafeTensorsError {
      SafeTensorsError(file: url, reason: reason, detail: detail)
    }
    guard data.count >= 8 else {
      throw failure(.tooShort, "too short: \(data.count) bytes, but the header length alone takes 8")
    }
    let declared = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    let available = UInt64(data.count - 8)
    guard declared <= available else {
      throw failure(
        .headerLengthBeyondFile,
        "header length \(declared) is beyond the end of the file (only \(available) bytes follow it)")
    }
    let length = Int(declared)
    guard length >= 2 else { throw failure(.tooShort, "too short: the header has \(length) bytes") }
    let headerBytes = data.subdata(in: 8..<(8 + length))
    guard headerBytes.first == UInt8(ascii: "{") else {
      throw failure(.invalidHeader, "header is not a JSON object: it does not start with '{'")
    }
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: headerBytes)
    } catch {
      throw failure(.invalidHeader, "header is not JSON: \(error.localizedDescription)")
    }
    guard let header = object as? [String: Any] else {
      throw failure(.invalidHeader, "header is not a JSON object")
    }

    var metadata: [String: String] = [:]
    if let rawMetadata = header["__metadata__"] {
      guard let map = rawMetadata as? [String: Any] else {
        throw failure(.invalidHeader, "__metadata__ is not an object")
      }
      for (key, value) in map {
        guard let text = value as? String else {
          throw failure(.invalidHeader, "__metadata__ value for '\(key)' is not a string")
        }
        metadata[key] = text
      }
    }

    let dataLength = data.count - 8 - length
    var entries: [Entry] = []
    for (name, value) in header where name != "__metadata__" {
      guard let info = value as? [String: Any] else {
        throw failure(.invalidHeader, "entry for tensor '\(name)' is not an object")
      }
      guard let dtypeName = info["dtype"] as? String else {
        throw failure(.invalidHeader, "tensor '\(name)' has no dtype string")
      }
      guard let dtype = dtypesByName[dtypeName] else {
        let kind = unsupportedDTypeNames.contains(dtypeName) ? "unsupported" : "unknown"
        throw failure(.unknownDType, "tensor '\(name)' has \(kind) dtype '\(dtypeName)'")
      }
      guard let shape = nonNegativeIntegers(info["shape"]) else {
        throw failure(.invalidHeader, "tensor '\(name)' has no valid shape (a list of non-negative integers)")
      }
      guard let offsets = nonNegativeIntegers(info["data_offsets"]), offsets.count == 2 else {
        throw failure(.invalidHeader, "tensor '\(name)' has no valid data_offsets (two non-negative integers)")
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard begin <= end else {
        throw failure(.invalidOffsets, "tensor '\(name)' has data_offsets [\(begin), \(end)] that end before they begin")
      }
      var byteCount = dtype.byteCount
      for size in shape {
        let (product, overflow) = byteCount.multipliedReportingOverflow(by: size)
        guard !overflow else { throw failure(.invalidOffsets, "tensor '\(name)' has a shape \(shape) too large to address") }
        byteCount = product
      }
      guard end - begin == byteCount else {
        throw failure(
          .invalidOffsets,
          "tensor '\(name)' has data_offsets [\(begin), \(end)] (\(end - begin) bytes) but shape \(shape) of "
            + "\(dtypeName) needs \(byteCount) bytes")
      }
      if dtype == .bool, begin < end, end <= dataLength {
        // libtorch bools must be 0 or 1; this is a check, not a copy.
        let invalid = data[(8 + length + begin)..<(8 + length + end)].contains { $0 > 1 }
        guard !invalid else { throw failure(.invalidHeader, "BOOL tensor '\(name)' holds bytes other than 0 and 1") }
      }
      entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
    }

    // The tensors must tile the data section exactly: no gaps, no overlap (as the reference reader demands).
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var position = 0
    for entry in entries {
      guard entry.begin == position else {
        let problem = entry.begin < position ? "overlaps the previous tensor" : "leaves a gap after the previous tensor"
        throw failure(
          .invalidOffsets,
          "tensor '\(entry.name)' has data_offsets [\(entry.begin), \(entry.end)] out of range: it \(problem) "
            + "(expected it to begin at byte \(position); the data section has \(dataLength) bytes)")
      }
      position = entry.end
    }
    guard position <= dataLength else {
      throw failure(
        .truncatedData,
        "truncated data: the header describes \(position) bytes of tensor data but the file holds \(dataLength)")
    }
    guard position == dataLength else {
      throw failure(
        .invalidOffsets,
        "data_offsets cover \(position) bytes but the data section has \(dataLength) (\(dataLength - position) unaccounted for)")
    }
    return Header(length: length, entries: entries, metadata: metadata)
  }

  /// A JSON array of non-negative integers (rejecting fractions, negatives and booleans).
  private static func nonNegativeIntegers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var result: [Int] = []
    for element in array {
      // JSON `true` arrives as an NSNumber of objCType "c"; `as? Int` rejects fractions.
      guard let number = element as? NSNumber, String(cString: number.objCType) != "c",
        let integer = element as? Int, integer >= 0
      else { return nil }
      result.append(integer)
    }
    return result
  }
}
