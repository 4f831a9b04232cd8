import Experiments
import Foundation
import Testing

/// Every command that reads a run takes its folder or its checkpoint file, by one rule.
@Suite struct RunFolderTests {
  @Test func aFolderMeansItsCheckpointAndASafetensorsFileItself() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let checkpoint = folder.appendingPathComponent(runCheckpointName).path
    #expect(runCheckpoint(at: folder.path).path == checkpoint)
    #expect(runCheckpoint(at: folder.path + "/").path == checkpoint)
    #expect(runCheckpoint(at: checkpoint).path == checkpoint)
    #expect(runCheckpoint(at: folder.path + "/missing").path == folder.path + "/missing/" + runCheckpointName)
    // A folder named like a checkpoint is still a folder.
    let named = folder.appendingPathComponent("old.safetensors")
    try FileManager.default.createDirectory(at: named, withIntermediateDirectories: true)
    #expect(runCheckpoint(at: named.path).path == named.appendingPathComponent(runCheckpointName).path)
  }

  @Test func aMissingCheckpointNamesTheCommandThatWritesOne() {
    do {
      _ = try savedCheckpoint(at: "/nonexistent/run", writtenBy: "ood train")
      Issue.record("a missing checkpoint was accepted")
    } catch {
      #expect(
        "\(error)"
          == "no checkpoint at /nonexistent/run/model.safetensors: pass the --out folder of `penumbra ood train` or its model.safetensors")
    }
  }
}
