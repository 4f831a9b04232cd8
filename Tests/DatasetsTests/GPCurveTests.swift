import Datasets
import GaussianProcesses
import Testing
import Torch

struct GPCurveTests {
  @Test func deepmindTrainingBatchesFollowTheProtocol() {
    Torch.manualSeed(0)
    let batch = GPCurveSampler(protocol: .deepmind, kernel: .eq).sample(batchSize: 64)
    let contexts = batch.context.counts
    let targets = batch.target.counts
    #expect(contexts.allSatisfy { (3...49).contains($0) })
    #expect(zip(contexts, targets).allSatisfy { $0 <= $1 && $1 <= 49 })
    // Targets include the contexts: the first n_context target points are the contexts.
    for task in 0..<8 {
      let n = contexts[task]
      #expect((batch.context.x[task, 0..<n] - batch.target.x[task, 0..<n]).abs().max().item() == 0)
    }
    let x = batch.target.x.maskedSelect(batch.target.mask.unsqueeze(-1) .> 0)
    #expect(x.min().item() >= -2 && x.max().item() <= 2)
  }

  @Test func npfBatchesFollowTheProtocol() {
    Torch.manualSeed(1)
    let sampler = GPCurveSampler(protocol: .npf, kernel: .periodic)
    let batch = sampler.sample(batchSize: 32)
    #expect(batch.target.x.shape == [32, 128, 1])
    #expect(batch.target.counts.allSatisfy { $0 == 128 })
    #expect(batch.context.counts.allSatisfy { (0...50).contains($0) })
    // Sorted and rescaled to [−1, 1].
    let x = batch.target.x.squeeze(-1)
    #expect((x[.all, 1...] - x[.all, ..<127]).min().item() >= 0)
    #expect(x.abs().max().item() <= 1)
    // Rescaling x to [−1, 1] halves the period; the periodic lengthscale has no units.
    #expect(batch.kernels[0] == Kernel(.periodic, lengthscale: 0.5, scale: 1, period: 0.25))
  }

  @Test func aFixedContextCountGivesEveryTaskThatMany() {
    for curveProtocol in CurveProtocol.allCases {
      for training in [true, false] {
        Torch.manualSeed(2)
        let sampler = GPCurveSampler(protocol: curveProtocol, kernel: .periodic, contextCount: 60)
        let batch = sampler.sample(batchSize: 8, training: training)
        #expect(batch.context.counts == Array(repeating: 60, count: 8))
        #expect(batch.target.counts.allSatisfy { $0 >= 60 })
      }
    }
  }

  @Test func samplingIsDeterministicGivenTheSeed() {
    let sampler = GPCurveSampler(protocol: .deepmind, kernel: .matern52, randomHyperparameters: true)
    Torch.manualSeed(5)
    let a = sampler.sample(batchSize: 8)
    Torch.manualSeed(5)
    let b = sampler.sample(batchSize: 8)
    #expect(a.target.y.shape == b.target.y.shape)
    #expect((a.target.y - b.target.y).abs().max().item() == 0)
    #expect(a.kernels == b.kernels)
  }

  /// Draws have the kernel's variance (σ_f² + noise) and the noisy Matérn its white noise.
  @Test func drawsHaveTheKernelVariance() {
    Torch.manualSeed(2)
    let batch = GPCurveSampler(protocol: .npf, kernel: .noisyMatern).sample(batchSize: 256)
    let variance = batch.target.y.square().mean().item()
    #expect(abs(variance - 1.1) < 0.1, "empirical variance \(variance)")
  }

  /// The oracle scores contexts near the noise limit and beats a unit Gaussian on targets.
  @Test func oracleLogLikelihoodIsSensible() {
    Torch.manualSeed(3)
    let batch = GPCurveSampler(protocol: .deepmind, kernel: .eq).sample(batchSize: 16, training: false)
    let (context, target) = batch.oracleLogLikelihoods()
    let contextMean = ((context * batch.context.mask).sum() / batch.context.mask.sum()).item()
    let targetMean = target.mean().item()
    // Noise std 0.02: log N(0 | 0, 0.02²) ≈ 2.99 is the ceiling.
    #expect(contextMean > 2 && contextMean < 3)
    #expect(targetMean > -1.42)
  }
}
