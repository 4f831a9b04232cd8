import Foundation
import NN
import Testing
import Torch

/// A fresh empty directory for one test.
func makeTemporaryDirectory() throws -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-st-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// The bytes of a safetensors file with `header` as its JSON header and `data` after it.
func safetensorsBytes(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
  let headerBytes = Array(header.utf8)
  let length = declaredLength ?? UInt64(headerBytes.count)
  return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
}

/// Reads `bytes` written to a file and returns the error the reader throws.
func readError(_ bytes: [UInt8], in directory: URL, name: String = "broken.safetensors") throws -> SafeTensorsError {
  let url = directory.appendingPathComponent(name)
  try Data(bytes).write(to: url)
  do {
    _ = try SafeTensors.read(from: url)
  } catch let error as SafeTensorsError {
    return error
  }
  Issue.record("reading \(name) did not throw")
  return SafeTensorsError(file: url, reason: .io, detail: "no error")
}

/// The tensors `Benchmarks/reference/check_safetensors.py` expects (keep the two in step).
func swiftWrittenTensors() -> [(name: String, tensor: Tensor)] {
  [
    ("layer.weight", (Tensor.arange(0, 12, dtype: .float32) * 0.5 - 3).reshape(3, 4)),
    ("layer.bias", Tensor([1.0 / 3.0, -1e-300, 1e300, 0], dtype: .float64)),
    ("counts", Tensor([Int64(-5), 0, (1 << 40) + 3, 9_007_199_254_740_993])),
    ("small", Tensor([Int32(1), -2, Int32.max], shape: [1, 3])),
    ("bytes", Tensor([UInt8(0), 7, 255])),
    ("mask", Tensor([true, false, true])),
    ("scalar", Tensor(2.5)),
    ("empty", Tensor.zeros([2, 0])),
  ]
}

let swiftWrittenMetadata = ["writer": "penumbra", "step": "17", "config": #"{"lr": 0.001, "name": "café \"x\""}"#]

@Suite struct SafeTensorsTests {
  @Test func roundTripKeepsOrderValuesAndMetadata() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("round.safetensors")
    let tensors = swiftWrittenTensors()
    try SafeTensors.write(tensors, metadata: swiftWrittenMetadata, to: url)

    let raw = try Data(contentsOf: url)
    let headerLength = raw.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
    #expect(headerLength % 8 == 0)
    let headerText = String(decoding: raw[8..<(8 + headerLength)], as: UTF8.self)
    #expect(headerText.hasPrefix("{"))
    #expect(headerText.contains(#""layer.weight":{"dtype":"F32","shape":[3,4],"data_offsets":[0,48]}"#))

    let file = try SafeTensors.read(from: url)
    #expect(file.metadata == swiftWrittenMetadata)
    #expect(file.tensors.map(\.name) == tensors.map(\.name))
    for ((name, original), (_, loaded)) in zip(tensors, file.tensors) {
      #expect(loaded.dtype == original.dtype, "\(name)")
      #expect(loaded.shape == original.shape, "\(name)")
    }
    #expect(file["layer.weight"]!.toArray(Float.self) == tensors[0].tensor.toArray(Float.self))
    #expect(file["layer.bias"]!.toArray(Double.self) == [1.0 / 3.0, -1e-300, 1e300, 0])
    #expect(file["counts"]!.toArray(Int64.self) == [-5, 0, (1 << 40) + 3, 9_007_199_254_740_993])
    #expect(file["small"]!.toArray(Int32.self) == [1, -2, Int32.max])
    #expect(file["bytes"]!.toArray(UInt8.self) == [0, 7, 255])
    #expect(file["mask"]!.toArray(Bool.self) == [true, false, true])
    #expect(file["scalar"]!.shape == [] && file["scalar"]!.item() == 2.5)
    #expect(file["empty"]!.shape == [2, 0])
  }

  @Test func writesNonContiguousAndGradTensors() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("views.safetensors")
    let base = Tensor.arange(0, 6, dtype: .float64).reshape(2, 3)
    let parameter = Tensor.ones([2]).requiringGrad()
    try SafeTensors.write([("t", base.mT), ("p", parameter)], to: url)
    let file = try SafeTensors.read(from: url)
    #expect(file["t"]!.shape == [3, 2])
    #expect(file["t"]!.toArray(Double.self) == [0, 3, 1, 4, 2, 5])
    #expect(file["p"]!.toArray(Float.self) == [1, 1])
    #expect(file.metadata.isEmpty)
  }

  @Test func readsFileWrittenByPython() throws {
    let url = try #require(Bundle.module.url(
      forResource: "python_written", withExtension: "safetensors", subdirectory: "Fixtures"))
    let file = try SafeTensors.read(from: url)
    #expect(file.metadata == ["writer": "python-safetensors", "step": "42", "note": "unicode é and \"quotes\""])
    #expect(Set(file.tensors.map(\.name)) == ["weights.f32", "values.f64", "counts.i64", "mask.bool", "scalar.f32", "empty.f32"])

    let weights = try #require(file["weights.f32"])
    #expect(weights.dtype == .float32 && weights.shape == [2, 3])
    #expect(weights.toArray(Float.self) == [0, 0.25, 0.5, 0.75, 1, 1.25])
    let values = try #require(file["values.f64"])
    #expect(values.dtype == .float64)
    #expect(values.toArray(Double.self) == [1.0 / 3.0, -2.5e-300, 1e300])
    let counts = try #require(file["counts.i64"])
    #expect(counts.dtype == .int64 && counts.shape == [2, 2])
    #expect(counts.toArray(Int64.self) == [-7, 0, (1 << 40) + 1, 9_007_199_254_740_993])
    let mask = try #require(file["mask.bool"])
    #expect(mask.dtype == .bool)
    #expect(mask.toArray(Bool.self) == [true, false, false, true, true])
    let scalar = try #require(file["scalar.f32"])
    #expect(scalar.shape == [] && scalar.item() == -1.5)
    #expect(file["empty.f32"]?.shape == [0, 4])
  }

  @Test func pythonReadsFileWrittenBySwift() throws {
    let python = URL(fileURLWithPath: "/usr/bin/python3")
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let script = repository.appendingPathComponent("Benchmarks/reference/check_safetensors.py")
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("swift_written.safetensors")
    try SafeTensors.write(swiftWrittenTensors(), metadata: swiftWrittenMetadata, to: url)

    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
      let process = Process()
      process.executableURL = python
      process.arguments = arguments
      let pipe = Pipe()
      process.standardOutput = pipe
      process.standardError = pipe
      try process.run()
      let output = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
    guard FileManager.default.isExecutableFile(atPath: python.path),
      try run(["-c", "import safetensors, torch"]).status == 0
    else {
      Issue.record("/usr/bin/python3 with the safetensors and torch packages is needed: run `make deps`")
      return
    }
    let result = try run([script.path, url.path])
    #expect(result.status == 0, "check_safetensors.py failed: \(result.output)")
    #expect(result.output.contains("ok: 8 tensors"))
  }

  @Test func atomicWriteReplacesTargetAndLeavesNoTemporaryFiles() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("model.safetensors")
    try SafeTensors.write([("a", Tensor([1, 2, 3] as [Float]))], to: url)
    try SafeTensors.write([("b", Tensor([4, 5] as [Float]))], metadata: ["v": "2"], to: url)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    let file = try SafeTensors.read(from: url)
    #expect(file.tensors.map(\.name) == ["b"] && file.metadata == ["v": "2"])

    // A failed write (duplicate names) leaves the old file and no temporary file behind.
    #expect(throws: SafeTensorsError.self) {
      try SafeTensors.write([("c", Tensor.ones([1])), ("c", Tensor.ones([1]))], to: url)
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    #expect(try SafeTensors.read(from: url).tensors.map(\.name) == ["b"])

    // A directory that does not exist fails with an error naming the file.
    let missing = directory.appendingPathComponent("nope/x.safetensors")
    let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.write([("a", Tensor.ones([1]))], to: missing) }
    #expect(error.reason == .io && error.description.contains(missing.path))
  }

  // MARK: Corruption

  @Test func truncatedFilesThrow() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("good.safetensors")
    try SafeTensors.write([("w", Tensor.arange(0, 16, dtype: .float32)), ("b", Tensor.ones([4], dtype: .float64))], to: url)
    let good = try [UInt8](Data(contentsOf: url))

    let empty = try readError([], in: directory, name: "empty.safetensors")
    #expect(empty.reason == .tooShort)
    #expect(empty.description.contains("empty.safetensors") && empty.description.contains("too short"))
    #expect(try readError(Array(good.prefix(5)), in: directory).reason == .tooShort)

    // Cut inside the header: the declared header length now runs past the end.
    let inHeader = try readError(Array(good.prefix(30)), in: directory, name: "cut-header.safetensors")
    #expect(inHeader.reason == .headerLengthBeyondFile)
    #expect(inHeader.description.contains("cut-header.safetensors") && inHeader.description.contains("beyond"))

    // Cut inside the data.
    let inData = try readError(Array(good.dropLast(10)), in: directory, name: "cut-data.safetensors")
    #expect(inData.reason == .truncatedData)
    #expect(inData.description.contains("cut-data.safetensors") && inData.description.contains("truncated"))
  }

  @Test func garbageHeaderThrows() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let garbage = try readError(safetensorsBytes(header: "{this is not json at all", data: []), in: directory, name: "garbage.safetensors")
    #expect(garbage.reason == .invalidHeader)
    #expect(garbage.description.contains("garbage.safetensors") && garbage.description.contains("not JSON"))
    let binary = try readError(safetensorsBytes(header: "\u{01}\u{02}\u{03}\u{04}", data: []), in: directory)
    #expect(binary.reason == .invalidHeader)
    let array = try readError(safetensorsBytes(header: "[1, 2]", data: []), in: directory)
    #expect(array.reason == .invalidHeader)
    // `{}` (padded) is a valid file without tensors.
    let emptyURL = directory.appendingPathComponent("no-tensors.safetensors")
    try Data(safetensorsBytes(header: "{}      ", data: [])).write(to: emptyURL)
    let emptyFile = try SafeTensors.read(from: emptyURL)
    #expect(emptyFile.tensors.isEmpty && emptyFile.metadata.isEmpty)
    let notObject = try readError(safetensorsBytes(header: #"{"x": 3}"#, data: []), in: directory)
    #expect(notObject.reason == .invalidHeader && notObject.description.contains("'x'"))
    let badShape = try readError(
      safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]), in: directory)
    #expect(badShape.reason == .invalidHeader && badShape.description.contains("shape"))
    let badMetadata = try readError(safetensorsBytes(header: #"{"__metadata__":{"a":1}}"#, data: []), in: directory)
    #expect(badMetadata.reason == .invalidHeader && badMetadata.description.contains("__metadata__"))
    let badBool = try readError(
      safetensorsBytes(header: #"{"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 7]), in: directory)
    #expect(badBool.reason == .invalidHeader && badBool.description.contains("'m'"))
  }

  @Test func headerLengthBeyondFileThrows() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let header = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
    let error = try readError(safetensorsBytes(header: header, data: [0, 0, 0, 0], declaredLength: 1 << 40), in: directory, name: "long.safetensors")
    #expect(error.reason == .headerLengthBeyondFile)
    #expect(error.description.contains("long.safetensors") && error.description.contains("header length 1099511627776"))
    // The largest length must not overflow the bounds arithmetic.
    #expect(try readError(safetensorsBytes(header: header, data: [], declaredLength: .max), in: directory).reason == .headerLengthBeyondFile)
  }

  @Test func badOffsetsThrow() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let data = [UInt8](repeating: 0, count: 16)
    let beyond = try readError(
      safetensorsBytes(header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[100,116]}}"#, data: data),
      in: directory, name: "beyond.safetensors")
    #expect(beyond.reason == .invalidOffsets)
    #expect(beyond.description.contains("beyond.safetensors") && beyond.description.contains("'x'") && beyond.description.contains("out of range"))

    let mismatch = try readError(
      safetensorsBytes(header: #"{"x":{"dtype":"F64","shape":[4],"data_offsets":[0,16]}}"#, data: data), in: directory)
    #expect(mismatch.reason == .invalidOffsets && mismatch.description.contains("needs 32 bytes"))

    let reversed = try readError(
      safetensorsBytes(header: #"{"x":{"dtype":"U8","shape":[0],"data_offsets":[8,0]}}"#, data: data), in: directory)
    #expect(reversed.reason == .invalidOffsets)

    let overlap = try readError(
      safetensorsBytes(
        header: #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
        data: data), in: directory)
    #expect(overlap.reason == .invalidOffsets && overlap.description.contains("overlaps"))

    let trailing = try readError(
      safetensorsBytes(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: data), in: directory)
    #expect(trailing.reason == .invalidOffsets && trailing.description.contains("unaccounted"))

    let huge = try readError(
      safetensorsBytes(header: #"{"a":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#, data: data), in: directory)
    #expect(huge.reason == .invalidOffsets)
  }

  @Test func unknownDTypeThrows() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let unknown = try readError(
      safetensorsBytes(header: #"{"w":{"dtype":"Q7","shape":[2],"data_offsets":[0,2]}}"#, data: [1, 2]),
      in: directory, name: "dtype.safetensors")
    #expect(unknown.reason == .unknownDType)
    #expect(unknown.description.contains("dtype.safetensors") && unknown.description.contains("unknown dtype 'Q7'"))
    let half = try readError(
      safetensorsBytes(header: #"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, data: [1, 2]), in: directory)
    #expect(half.reason == .unknownDType && half.description.contains("unsupported dtype 'F16'"))
  }

  @Test func missingFileThrows() throws {
    let url = URL(fileURLWithPath: "/nonexistent/penumbra/none.safetensors")
    let error = try #require(throws: SafeTensorsError.self) { try SafeTensors.read(from: url) }
    #expect(error.reason == .io && error.description.contains("none.safetensors"))
  }
}
