import Datasets
import Foundation
import NN
import NeuralProcesses
import Testing
import Torch

/// Random sine curves y = a·sin(x − φ) on [−2, 2] as padded batches: a small task family
/// that needs no GP sampler.
func sineTasks(batch: Int, contextRange: ClosedRange<Int>, targets: Int) -> (context: PointSet, target: PointSet) {
  let amplitude = Tensor.uniform([batch, 1, 1], low: 0.5, high: 2)
  let phase = Tensor.uniform([batch, 1, 1], low: 0, high: 3)
  let x = Tensor.uniform([batch, targets, 1], low: -2, high: 2)
  let y = amplitude * (x - phase).sin()
  let counts = (0..<batch).map { _ in Int.random(in: contextRange) }
  let mask = Tensor(counts.flatMap { n in (0..<targets).map { $0 < n ? 1.0 : 0 } }, shape: [batch, targets])
  let widest = counts.max()!
  let context = PointSet(x: x[.all, 0..<widest], y: y[.all, 0..<widest], mask: mask[.all, 0..<widest])
  return (context, PointSet(x: x, y: y))
}

struct NeuralProcessTests {
  static let kinds = NeuralProcessKind.allCases
  static let attentions = AttentionKind.allCases

  func small(_ kind: NeuralProcessKind, _ attention: AttentionKind = .multihead) -> NeuralProcess {
    NeuralProcess(.init(kind: kind, attention: attention, hiddenSize: 32, latentSize: 32, heads: 4))
  }

  /// A padded batch scores each task exactly as that task alone, unpadded.
  @Test(arguments: AttentionKind.allCases)
  func paddingDoesNotChangeTheLikelihood(_ attention: AttentionKind) {
    Torch.manualSeed(0)
    let model = small(.attncnp, attention)
    let (context, target) = sineTasks(batch: 4, contextRange: 2...9, targets: 12)
    let batched = model.logLikelihood(context: context, target: target).toArray(Float.self)
    for task in 0..<4 {
      let (x, y) = context.task(task)
      let alone = PointSet(x: x.unsqueeze(0), y: y.unsqueeze(0))
      let targetAlone = PointSet(x: target.x[task...task], y: target.y[task...task])
      let single = model.logLikelihood(context: alone, target: targetAlone).item()
      #expect(abs(Double(batched[task]) - single) < 1e-3 * max(1, abs(single)), "task \(task), attention \(attention)")
    }
  }

  /// Shuffling the context leaves the prediction unchanged.
  @Test(arguments: AttentionKind.allCases)
  func contextPermutationInvariance(_ attention: AttentionKind) {
    Torch.manualSeed(1)
    let model = small(.anp, attention)
    let (context, target) = sineTasks(batch: 2, contextRange: 10...10, targets: 15)
    let permutation = Tensor.randperm(10)
    let shuffled = PointSet(
      x: context.x.indexSelect(dim: 1, index: permutation), y: context.y.indexSelect(dim: 1, index: permutation),
      mask: context.mask)
    let z = model.latentDistribution(context)!.mean
    let a = model.predict(context: context, targetX: target.x, z: z)
    let b = model.predict(context: shuffled, targetX: target.x, z: z)
    #expect((a.mean - b.mean).abs().max().item() < 1e-5)
    #expect((a.std - b.std).abs().max().item() < 1e-5)
    let zShuffled = model.latentDistribution(shuffled)!.mean
    #expect((z - zShuffled).abs().max().item() < 1e-5)
  }

  /// Told where the contexts lie among the targets, `loss` gathers the targets' per-point work
  /// for the contexts instead of recomputing it: same loss, same gradients, for every kind in
  /// both architectures (the ANP paper's with self-attention, as for images). Contexts are
  /// random targets, one task with none.
  @Test(arguments: NeuralProcessKind.allCases, NeuralProcessArchitecture.allCases)
  func contextIndicesLeaveTheLossUnchanged(_ kind: NeuralProcessKind, _ design: NeuralProcessArchitecture) {
    Torch.manualSeed(7)
    let model = NeuralProcess(
      .init(kind: kind, architecture: design, hiddenSize: 32, latentSize: 16, selfAttentionLayers: design == .npf ? 0 : 1, heads: 4))
    let (_, target) = sineTasks(batch: 3, contextRange: 1...1, targets: 16)
    let indices = Tensor.rand([3, 16]).topk(6, dim: 1).indices
    let mask = Tensor([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0] as [Double], shape: [3, 6]).to(.float32)
    let context = PointSet(x: target.x.gatherRows(indices), y: target.y.gatherRows(indices), mask: mask)
    func lossAndGradients(_ contextIndices: Tensor?) -> (Double, [Tensor]) {
      model.zeroGrad()
      Torch.manualSeed(8)  // the same z draw on both sides
      let loss = model.loss(context: context, target: target, contextIndices: contextIndices).loss
      loss.backward()
      return (loss.item(), model.parameters().map { $0.grad ?? Tensor.zeros($0.shape) })
    }
    let (recomputed, recomputedGradients) = lossAndGradients(nil)
    let (gathered, gatheredGradients) = lossAndGradients(indices)
    #expect(abs(recomputed - gathered) < 1e-5 * max(1, abs(recomputed)), "\(kind), \(design)")
    for (a, b) in zip(recomputedGradients, gatheredGradients) {
      #expect((a - b).abs().max().item() < 1e-4 * max(1, a.abs().max().item()), "\(kind), \(design)")
    }
  }

  /// Target inputs shared by the batch as an expanded view (an image's pixel grid) are embedded
  /// once and broadcast: the loss, its gradients and the chunked prediction equal those of the
  /// same inputs copied per task, for every kind and attention in both architectures.
  @Test(arguments: NeuralProcessKind.allCases, NeuralProcessArchitecture.allCases)
  func sharedTargetGridMatchesItsCopy(_ kind: NeuralProcessKind, _ design: NeuralProcessArchitecture) {
    let attentions: [AttentionKind?] =
      kind.usesCrossAttention && design == .anpPaper ? AttentionKind.allCases.filter { $0 != .transformer } : [nil]
    for attention in attentions {
      Torch.manualSeed(9)
      let model = NeuralProcess(
        .init(kind: kind, architecture: design, attention: attention, xDimension: 2, hiddenSize: 32, latentSize: 16, heads: 4))
      let grid = Tensor.uniform([1, 20, 2], low: -1, high: 1).expand([3, 20, 2])
      let target = PointSet(x: grid, y: Tensor.randn([3, 20, 1]))
      let indices = Tensor.rand([3, 20]).topk(5, dim: 1).indices
      let context = PointSet(x: grid.gatherRows(indices), y: target.y.gatherRows(indices))
      func run(_ x: Tensor) -> (Double, [Tensor], Tensor) {
        model.zeroGrad()
        Torch.manualSeed(10)
        let loss = model.loss(context: context, target: PointSet(x: x, y: target.y), contextIndices: indices).loss
        loss.backward()
        Torch.manualSeed(11)
        let mean = model.predict(context: context, targetX: x, chunkSize: 7).mean
        return (loss.item(), model.parameters().map { $0.grad ?? Tensor.zeros($0.shape) }, mean)
      }
      let (shared, sharedGradients, sharedMean) = run(grid)
      let (copied, copiedGradients, copiedMean) = run(grid.contiguous())
      let label = "\(kind), \(design), \(attention.map(\.rawValue) ?? "default")"
      #expect(abs(shared - copied) < 1e-5 * max(1, abs(copied)), "\(label)")
      #expect((sharedMean - copiedMean).abs().max().item() < 1e-5, "\(label)")
      for (a, b) in zip(copiedGradients, sharedGradients) {
        #expect((a - b).abs().max().item() < 1e-4 * max(1, a.abs().max().item()), "\(label)")
      }
    }
  }

  /// The ELBO's KL term is the closed-form KL between the posterior and prior Gaussians.
  @Test func elboKLMatchesClosedForm() {
    Torch.manualSeed(2)
    let model = small(.np)
    let (context, target) = sineTasks(batch: 3, contextRange: 3...8, targets: 10)
    let (_, _, kl) = model.loss(context: context, target: target)
    let q = model.latentDistribution(target)!
    let p = model.latentDistribution(context)!
    // Σ_k [log(σp/σq) + (σq² + (μq − μp)²) / (2σp²) − ½] per task, divided by its target count.
    let closed = (p.std.log() - q.std.log() + (q.variance + (q.mean - p.mean).square()) / (2 * p.variance) - 0.5).sum(-1) / 10
    #expect(abs(kl!.item() - closed.mean().item()) < 1e-5)
  }

  /// Scoring with z drawn from the targets' latent distribution is the log-mean-exp of the
  /// likelihoods under draws from q(z | T): unweighted (NPF's evaluation), or weighted by
  /// q(z | C) / q(z | T) (importance sampling of the predictive likelihood); both differ from the
  /// default draws from q(z | C), and from each other.
  @Test(arguments: [LatentDraws.targets, .importance])
  func scoringDrawsZFromTheChosenDistribution(_ zFrom: LatentDraws) {
    let model = small(.np)
    Torch.manualSeed(5)
    let (context, target) = sineTasks(batch: 3, contextRange: 2...4, targets: 20)
    let draws = 6
    Torch.manualSeed(6)
    let scored = model.logLikelihood(context: context, target: target, samples: draws, zFrom: zFrom)
    Torch.manualSeed(6)
    let (prior, posterior) = (model.latentDistribution(context)!, model.latentDistribution(target)!)
    let zs = (0..<draws).map { _ in posterior.sample() }
    let perDraw = zs.map { z in
      let likelihood = (model.predict(context: context, targetX: target.x, z: z).logProb(target.y).sum(-1) * target.mask).sum(1)
      return zFrom == .importance ? likelihood + prior.logProb(z).sum(-1) - posterior.logProb(z).sum(-1) : likelihood
    }
    let expected = Tensor.stack(perDraw, dim: 0).logSumExp(0) - Foundation.log(Double(draws))
    #expect((scored - expected).abs().max().item() < 1e-4)
    for other in LatentDraws.allCases where other != zFrom {
      Torch.manualSeed(6)
      let otherScore = model.logLikelihood(context: context, target: target, samples: draws, zFrom: other)
      #expect((scored - otherScore).abs().max().item() > 1e-3, "\(zFrom) against \(other)")
    }
  }

  /// A mixture's moments: equal log weights give the equally weighted mixture's, and a weight
  /// that dominates in a task gives that task its component's.
  @Test func weightedMixtureMoments() {
    Torch.manualSeed(8)
    let components = (0..<3).map { _ in Normal(mean: Tensor.randn([2, 5, 1]), std: Tensor.uniform([2, 5, 1], low: 0.1, high: 1)) }
    let equal = NeuralProcess.mixtureMoments(components)
    let sameWeights = NeuralProcess.mixtureMoments(components, logWeights: (0..<3).map { _ in Tensor.full([2], -1.5) })
    #expect((equal.mean - sameWeights.mean).abs().max().item() < 1e-6)
    #expect((equal.std - sameWeights.std).abs().max().item() < 1e-6)
    // Task 0 all on component 1, task 1 all on component 2.
    let dominated = NeuralProcess.mixtureMoments(
      components, logWeights: [Tensor([-100.0, -100]), Tensor([0.0, -100]), Tensor([-100.0, 0])])
    for (task, component) in [(0, 1), (1, 2)] {
      #expect((dominated.mean[task] - components[component].mean[task]).abs().max().item() < 1e-5)
      #expect((dominated.std[task] - components[component].std[task]).abs().max().item() < 1e-5)
    }
  }

  /// Predicting targets in chunks gives the same distribution as all at once.
  @Test func chunkedPredictionMatches() {
    Torch.manualSeed(4)
    let model = small(.anp, .multihead)
    let (context, target) = sineTasks(batch: 2, contextRange: 5...9, targets: 50)
    let z = model.latentDistribution(context)!.mean
    let whole = withNoGrad { model.predict(context: context, targetX: target.x, z: z) }
    let chunked = model.predict(context: context, targetX: target.x, z: z, chunkSize: 7)
    #expect((whole.mean - chunked.mean).abs().max().item() < 1e-5)
    #expect((whole.std - chunked.std).abs().max().item() < 1e-5)
  }

  /// The predictive σ bottoms out at the configured floor (0.1 by default, NPF's 0.01), and the
  /// default leaves the saved configuration as it was before the floor became configurable.
  @Test(arguments: [nil, 0.01] as [Double?])
  func predictiveStdFloor(_ floor: Double?) throws {
    Torch.manualSeed(1)
    let model = NeuralProcess(.init(kind: .cnp, hiddenSize: 16, latentSize: 16, minimumStd: floor))
    // A decoder whose raw scale is −40 everywhere: softplus(−40) ≈ 4e-18, so σ is the floor.
    let output = try #require(model.parameters().last)
    withNoGrad { output.copy_(Tensor.full(output.shape, -40)) }
    let (context, target) = sineTasks(batch: 2, contextRange: 3...5, targets: 10)
    let std = withNoGrad { model.predict(context: context, targetX: target.x).std }
    #expect(abs(std.max().item() - (floor ?? 0.1)) < 1e-6 && abs(std.min().item() - (floor ?? 0.1)) < 1e-6)
    let json = String(decoding: try JSONEncoder().encode(model.configuration), as: UTF8.self)
    #expect(json.contains("minimumStd") == (floor != nil))
  }

  /// A short fixed-seed training run beats the untrained model's target log-likelihood by a clear margin.
  @Test(arguments: NeuralProcessKind.allCases)
  func learnsSineCurves(_ kind: NeuralProcessKind) {
    Torch.manualSeed(3)
    let model = small(kind, .dot)
    let evaluation = sineTasks(batch: 64, contextRange: 5...15, targets: 30)
    func score() -> Double {
      withNoGrad {
        (model.logLikelihood(context: evaluation.context, target: evaluation.target, samples: 4) / 30).mean().item()
      }
    }
    let before = score()
    let optimizer = Adam(model.parameters(), learningRate: 1e-3)
    for _ in 0..<300 {
      let (context, target) = sineTasks(batch: 16, contextRange: 3...20, targets: 30)
      optimizer.zeroGrad()
      model.loss(context: context, target: target).loss.backward()
      optimizer.step()
    }
    let after = score()
    #expect(after > before + 0.5, "\(kind): log-likelihood per point \(before) → \(after)")
  }
}

/// Scoring tasks read back from a tasks file gives the scores of the same tasks in memory.
@Test func tasksFileScoresEqualInProcessScores() throws {
  Torch.manualSeed(9)
  let sampler = GPCurveSampler(protocol: .deepmind, kernel: .eq)
  let model = NeuralProcess(.init(kind: .attncnp, attention: .dot, hiddenSize: 16, latentSize: 16))
  let batch = sampler.sample(batchSize: 6, training: false)
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-\(UUID().uuidString).jsonl")
  try TaskFile.write(TaskFile.tasks(context: batch.context, target: batch.target, xScale: sampler.xScale), to: url)
  let fromFile = model.evaluate(batches: [sampler.batch(from: try TaskFile.read(url))])
  let inMemory = model.evaluate(batches: [batch])
  #expect(abs(fromFile.targetLL - inMemory.targetLL) < 1e-4)
  #expect(abs(fromFile.contextLL - inMemory.contextLL) < 1e-4)
  #expect(abs(fromFile.gpTargetLL! - inMemory.gpTargetLL!) < 1e-6)
}


/// Tasks without context points have no context score: it is NaN in memory and null in JSON
/// (which has no NaN), and the target score is still defined.
@Test func scoresWithoutContextWriteNullInJSON() throws {
  Torch.manualSeed(4)
  let sampler = GPCurveSampler(protocol: .npf, kernel: .eq, contextCount: 0)
  let model = NeuralProcess(.init(kind: .attncnp, attention: .dot, hiddenSize: 16, latentSize: 16))
  let scores = model.evaluate(batches: [sampler.sample(batchSize: 4, training: false)])
  #expect(scores.contextLL.isNaN && scores.targetLL.isFinite && scores.tasks == 4)
  let json = try JSONEncoder().encode(scores)
  #expect(String(decoding: json, as: UTF8.self).contains("\"context_ll\":null"))
  let decoded = try JSONDecoder().decode(NeuralProcessScores.self, from: json)
  #expect(decoded.contextLL.isNaN && decoded.targetLL == scores.targetLL && decoded.gpTargetLL == scores.gpTargetLL)
}
