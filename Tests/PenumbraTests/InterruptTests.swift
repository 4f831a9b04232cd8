import Foundation
import Testing
import Torch

/// `kill` (SIGTERM) on a real `penumbra np train` process: it saves where it was and exits with
/// the message that says how to continue, and `--resume` ends on exactly the weights of a run
/// that was never interrupted.
@Suite(.serialized) struct InterruptTests {
  /// The `penumbra` executable the test build made, beside this test bundle.
  static var executable: URL {
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("penumbra")
    if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent(".build/debug/penumbra")
  }

  static let train = "np train --model cnp --hidden 16 --batch-size 4 --steps 3000 --evaluation-tasks 10 --checkpoint-every 1000"

  /// Runs `penumbra` with `arguments`; with `terminateAfterProgress`, sends SIGTERM as soon as
  /// the first progress line appears on standard error. Returns the exit status and standard error.
  static func penumbra(_ arguments: String, terminateAfterProgress: Bool = false) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments.split(separator: " ").map(String.init)
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    var text = ""
    var sent = false
    while true {
      let chunk = errors.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      text += String(decoding: chunk, as: UTF8.self)
      if terminateAfterProgress, !sent, text.contains("] step ") {
        kill(process.processIdentifier, SIGTERM)
        sent = true
      }
    }
    process.waitUntilExit()
    return (process.terminationStatus, text)
  }

  @Test func sigtermSavesAndResumeEndsWhereAnUninterruptedRunDoes() throws {
    guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
      Issue.record("no penumbra executable at \(Self.executable.path): build with `swift build --build-tests`")
      return
    }
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-sigterm-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let straight = folder.appendingPathComponent("straight")
    let interrupted = folder.appendingPathComponent("interrupted")

    #expect(try Self.penumbra("\(Self.train) --out \(straight.path)").status == 0)
    let killed = try Self.penumbra("\(Self.train) --out \(interrupted.path)", terminateAfterProgress: true)
    #expect(killed.status != 0)
    #expect(killed.stderr.contains("interrupted at step") && killed.stderr.contains("rerun with --resume"), "\(killed.stderr)")
    let checkpoint = interrupted.appendingPathComponent("model.safetensors")
    let saved = try SafeTensors.readMetadata(from: checkpoint)["step"].flatMap(Int.init)
    #expect(saved.map { $0 > 0 && $0 < 3000 } == true, "saved at step \(saved.map(String.init) ?? "none")")

    let resumed = try Self.penumbra("\(Self.train) --resume --out \(interrupted.path)")
    #expect(resumed.status == 0, "\(resumed.stderr)")
    #expect(resumed.stderr.contains("resuming from step \(saved ?? -1)"))
    let a = try SafeTensors.read(from: straight.appendingPathComponent("model.safetensors")).tensors
    let b = try SafeTensors.read(from: checkpoint).tensors
    #expect(a.map(\.name) == b.map(\.name))
    for ((name, x), (_, y)) in zip(a, b) {
      #expect(x.toArray(Float.self) == y.toArray(Float.self), "\(name)")
    }
  }
}
