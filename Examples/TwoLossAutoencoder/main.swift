import Foundation
import NN
import Torch
import Training

// A method is an Objective: its step computes the losses and steps its optimisers by name.
// Here an autoencoder whose encoder and decoder minimise different losses (PGA's shape).
final class Autoencoder: Module, Objective {
  let encoder = MLP([8, 32, 2])
  let decoder = MLP([2, 32, 8])

  func step(_ batch: UnlabelledBatch, optimizers: Optimizers) -> LossTerms {
    let code = encoder(batch.x)
    let reconstruction = mseLoss(decoder(code), batch.x)
    let encoderLoss = reconstruction + 1e-3 * code.square().mean()
    optimizers.minimize([("encoder", encoderLoss), ("decoder", reconstruction)])
    return ["reconstruction": reconstruction.item(), "encoder": encoderLoss.item()]
  }
}

Torch.manualSeed(0)
let points = Tensor.randn([512, 2]).matmul(Tensor.randn([2, 8]))  // 8-D data on a 2-D plane
let model = Autoencoder()
let optimizers = Optimizers([
  NamedOptimizer(name: "encoder", Adam(model.encoder.parameters(), learningRate: 3e-3)),
  NamedOptimizer(name: "decoder", Adam(model.decoder.parameters(), learningRate: 3e-3), schedule: .cosine(totalSteps: 20)),
])
// 20 epochs of shuffled batches; Ctrl-C saves mid-epoch, and rerunning resumes exactly.
let checkpoint = FileManager.default.temporaryDirectory.appendingPathComponent("autoencoder.safetensors")
let loop = TrainingLoop(.epochs(20), seed: 1, checkpoint: checkpoint, config: "autoencoder v1", label: "ae")
let summary = try loop.run(model, optimizers: optimizers, data: UnlabelledData(points: points, batchSize: 64), resume: true)
print("after \(summary.lastStep) epochs:", summary.finalTerms.map(String.init(describing:)) ?? "already trained")
