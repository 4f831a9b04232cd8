import Foundation
import NN
import Testing
import Torch
import Training

@testable import SemiSupervised

/// DS3L through the training loop's checkpoints: both networks and both named optimisers are
/// saved, and a resumed run continues the ramp's step count, ending bit for bit where an
/// uninterrupted run does.
@Suite struct ResumeTests {
  func make() -> (DS3L, Optimizers) {
    Torch.manualSeed(4)
    let net = DropoutMLP(2, 16, 2, dropout: 0.2)
    // A ramp still rising in epoch 2, so restarting its clock would change the weights.
    let ds3l = DS3L(network: net, classes: 2, ramp: RampUp(maximum: 10, warmupSteps: 100), virtualLearningRate: 0.1)
    return (
      ds3l,
      Optimizers([
        NamedOptimizer(name: "model", SGD(net.parameters(), learningRate: 0.05)),
        NamedOptimizer(name: "weights", Adam(ds3l.weightNetwork.parameters(), learningRate: 1e-3)),
      ])
    )
  }

  @Test func resumedRunEndsWhereAStraightOneDoes() throws {
    let task = BlobsTask()
    let data = task.data()
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-ds3l-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }

    let (straight, straightOptimizers) = make()
    _ = try TrainingLoop(.epochs(2), seed: 9, checkpoint: folder.appendingPathComponent("a.safetensors"), config: "c")
      .run(straight, optimizers: straightOptimizers, data: data, resume: false)
    #expect(straight.currentStep == 2 * data.batchesPerEpoch)

    let url = folder.appendingPathComponent("b.safetensors")
    let (first, firstOptimizers) = make()
    _ = try TrainingLoop(.epochs(1), seed: 9, checkpoint: url, config: "c")
      .run(first, optimizers: firstOptimizers, data: data, resume: false)
    let (resumed, resumedOptimizers) = make()
    _ = try TrainingLoop(.epochs(2), seed: 9, checkpoint: url, config: "c")
      .run(resumed, optimizers: resumedOptimizers, data: data, resume: true)
    #expect(resumed.currentStep == 2 * data.batchesPerEpoch)
    let names = straight.stateDict().map(\.name)
    #expect(names.contains("weight_network.linear1.weight") && names.contains("network.fc1.weight"))
    for ((name, a), (_, b)) in zip(straight.stateDict(), resumed.stateDict()) {
      #expect(a.toArray(Float.self) == b.toArray(Float.self), "\(name) differs after resuming")
    }
  }
}
