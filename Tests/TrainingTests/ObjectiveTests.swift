import Foundation
import NN
import Testing
import Torch
@testable import Training

/// A denoising autoencoder whose encoder and decoder minimise different losses with optimisers
/// of their own (the shape of PGA's step): the decoder the reconstruction error, the encoder
/// the reconstruction error plus a penalty on the code.
final class TwoLossAutoencoder: Module, Objective {
  let encoder: Linear
  let decoder: Linear

  override init() {
    encoder = Linear(6, 3)
    decoder = Linear(3, 6)
  }

  func losses(_ x: Tensor) -> (encoder: Tensor, decoder: Tensor) {
    let code = encoder((x + 0.1 * Tensor.randn(x.shape)).tanh())
    let reconstruction = mseLoss(decoder(code), x)
    return (reconstruction + 0.1 * code.square().mean(), reconstruction)
  }

  func step(_ batch: UnlabelledBatch, optimizers: Optimizers) -> LossTerms {
    let (encoderLoss, decoderLoss) = losses(batch.x)
    optimizers.minimize([("encoder", encoderLoss), ("decoder", decoderLoss)])
    return ["reconstruction": decoderLoss.item(), "encoder": encoderLoss.item()]
  }

  func optimizers() -> Optimizers {
    Optimizers([
      NamedOptimizer(name: "encoder", Adam(encoder.parameters(), learningRate: 1e-2)),
      NamedOptimizer(name: "decoder", SGD(decoder.parameters(), learningRate: 0.1, momentum: 0.9), schedule: .step(stepSize: 1, gamma: 0.5)),
    ])
  }
}

/// Cross-entropy on the labelled half plus entropy minimisation on the unlabelled half, with
/// dropout, so the generator's state matters mid-epoch.
final class EntropyMinimisation: Module, Objective {
  let network = MLP([6, 16, 3])

  func step(_ batch: SemiSupervisedBatch, optimizers: Optimizers) -> LossTerms {
    let supervised = crossEntropy(logits: network(dropout(batch.labelled.x, p: 0.2, training: true)), targets: batch.labelled.labels)
    let probabilities = network(batch.unlabelled).softmax(dim: 1)
    let entropy = -(probabilities * (probabilities + 1e-8).log()).sum(1).mean()
    let loss = supervised + 0.3 * entropy
    optimizers.minimize(loss)
    return ["loss": loss.item(), "supervised": supervised.item(), "entropy": entropy.item()]
  }
}

/// The loop's epochs over the new batch kinds: SIGTERM in the middle of an epoch saves where the
/// epoch stopped, and the resumed run ends with exactly the weights of an uninterrupted one.
@Suite(.serialized)
struct ObjectiveTests {
  func folder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-objective-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Wraps an objective and sends the process SIGTERM (as `kill` does) during step `at`.
  struct Terminating<Base: Objective>: Objective {
    let base: Base
    let at: Int?
    final class Counter { var steps = 0 }
    let counter = Counter()
    var module: Module { base.module }

    func prepare(forStep step: Int) { base.prepare(forStep: step) }

    func step(_ batch: Base.Batch, optimizers: Optimizers) throws -> LossTerms {
      counter.steps += 1
      if counter.steps == at {
        kill(getpid(), SIGTERM)
        while !InterruptFlag.isSet { usleep(100) }
      }
      return try base.step(batch, optimizers: optimizers)
    }
  }

  func weights(_ module: Module) -> [String: [Float]] {
    Dictionary(uniqueKeysWithValues: module.stateDict().map { ($0.name, $0.tensor.toArray(Float.self)) })
  }

  /// Trains `make()`'s objective straight, then again interrupted by SIGTERM at step `interruptAt`
  /// and resumed in a fresh process state (new model, new optimisers); returns both.
  func straightAndResumed<O: Objective, Data: EpochData>(
    epochs: Int, interruptAt: Int, data: Data, make: () -> (O, Optimizers)
  ) throws -> (straight: Module, resumed: Module, midEpoch: CheckpointInfo, summary: TrainingSummary)
  where Data.Batch == O.Batch {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    Torch.manualSeed(11)
    let (straight, straightOptimizers) = make()
    let straightLoop = TrainingLoop(.epochs(epochs), seed: 5, checkpoint: dir.appendingPathComponent("a.safetensors"), config: "c")
    _ = try straightLoop.run(straight, optimizers: straightOptimizers, data: data, resume: false)

    let url = dir.appendingPathComponent("b.safetensors")
    let loop = TrainingLoop(.epochs(epochs), seed: 5, checkpoint: url, config: "c")
    Torch.manualSeed(11)
    let (interrupted, interruptedOptimizers) = make()
    #expect {
      _ = try loop.run(Terminating(base: interrupted, at: interruptAt), optimizers: interruptedOptimizers, data: data, resume: false)
    } throws: { "\($0)".contains("interrupted at step \(interruptAt)") }
    let midEpoch = try Checkpoint.info(at: url)

    Torch.manualSeed(999)  // the resumed run must not depend on the generator it finds
    let (resumed, resumedOptimizers) = make()
    let summary = try loop.run(resumed, optimizers: resumedOptimizers, data: data, resume: true)
    return (straight.module, resumed.module, midEpoch, summary)
  }

  @Test func twoOptimiserAutoencoderResumesBitIdenticallyAfterSIGTERM() throws {
    Torch.manualSeed(1)
    let data = UnlabelledData(points: Tensor.randn([40, 6]), batchSize: 8)  // 5 batches an epoch
    let run = try straightAndResumed(epochs: 3, interruptAt: 8, data: data) {
      let model = TwoLossAutoencoder()
      return (model, model.optimizers())
    }
    // Step 8 is batch 3 of epoch 2: one finished epoch, three batches of the next.
    #expect(run.midEpoch.step == 1 && run.midEpoch.metadata[TrainingLoop.batchesDoneKey] == "3")
    #expect(run.midEpoch.metadata["optimizer_type.encoder"] == "Adam")
    #expect(run.midEpoch.metadata["optimizer_type.decoder"] == "SGD")
    #expect(run.summary.firstStep == 1 && run.summary.lastStep == 3)
    #expect(run.summary.finalTerms?.terms.map(\.name) == ["reconstruction", "encoder"])
    #expect(weights(run.resumed) == weights(run.straight))
  }

  @Test func semiSupervisedObjectiveResumesBitIdenticallyAfterSIGTERM() throws {
    Torch.manualSeed(2)
    let labelled = LabelledData(points: Tensor.randn([12, 6]), labels: Tensor.randint(0, 3, [12]), batchSize: 4)
    let unlabelled = UnlabelledData(points: Tensor.randn([50, 6]), batchSize: 10)
    let data = SemiSupervisedData(labelled: labelled, unlabelled: unlabelled)
    #expect(data.batchesPerEpoch == 5)  // the unlabelled set's; the labelled one cycles
    let run = try straightAndResumed(epochs: 2, interruptAt: 7, data: data) {
      let model = EntropyMinimisation()
      return (model, Optimizers(Adam(model.parameters(), learningRate: 1e-2)))
    }
    #expect(run.midEpoch.step == 1 && run.midEpoch.metadata[TrainingLoop.batchesDoneKey] == "2")
    #expect(weights(run.resumed) == weights(run.straight))
  }

  /// The loop tells the objective each step's index before the step: counted over batches in
  /// an epoch run, and continued, not restarted, by a resumed run.
  @Test func loopNumbersStepsAcrossEpochsAndResumes() throws {
    final class StepRecorder: Module, Objective {
      let network = Linear(6, 6)
      var prepared: [Int] = []
      var stepped: [Int] = []
      func prepare(forStep step: Int) { prepared.append(step) }
      func step(_ batch: UnlabelledBatch, optimizers: Optimizers) -> LossTerms {
        stepped.append(prepared.last ?? 0)
        let loss = mseLoss(network(batch.x), batch.x)
        optimizers.minimize(loss)
        return ["loss": loss.item()]
      }
    }
    Torch.manualSeed(6)
    let data = UnlabelledData(points: Tensor.randn([40, 6]), batchSize: 8)  // 5 batches an epoch
    var recorders: [StepRecorder] = []
    _ = try straightAndResumed(epochs: 2, interruptAt: 7, data: data) {
      let model = StepRecorder()
      recorders.append(model)
      return (model, Optimizers(SGD(model.parameters(), learningRate: 0.01)))
    }
    #expect(recorders.count == 3)
    #expect(recorders[0].prepared == Array(1...10))
    #expect(recorders[0].stepped == Array(1...10))
    #expect(recorders[1].prepared == Array(1...7))
    #expect(recorders[2].prepared == Array(8...10))

    let counted = StepRecorder()
    let loop = TrainingLoop(.steps(3), seed: 1, checkpoint: nil)
    _ = try loop.run(counted, optimizers: Optimizers(SGD(counted.parameters(), learningRate: 0.01)), resume: false) { _ in
      UnlabelledBatch(x: Tensor.randn([4, 6]))
    }
    #expect(counted.prepared == [1, 2, 3])
  }

  /// Several losses step several optimisers from one forward pass, each with the gradient of its
  /// own loss alone, taken before any parameter changes.
  @Test func eachOptimiserStepsOnItsOwnLoss() throws {
    Torch.manualSeed(3)
    let model = TwoLossAutoencoder()
    let optimizers = Optimizers([
      NamedOptimizer(name: "encoder", SGD(model.encoder.parameters(), learningRate: 0.1)),
      NamedOptimizer(name: "decoder", SGD(model.decoder.parameters(), learningRate: 0.1)),
    ])
    let x = Tensor.randn([8, 6])
    let before = model.parameters().map { $0.detach().clone() }
    Torch.manualSeed(4)
    let (encoderLoss, decoderLoss) = model.losses(x)
    let expected =
      grad(of: [encoderLoss], wrt: model.encoder.parameters(), retainGraph: true)
      + grad(of: [decoderLoss], wrt: model.decoder.parameters(), retainGraph: true)
    optimizers.minimize([("encoder", encoderLoss), ("decoder", decoderLoss)])
    for ((parameter, old), gradient) in zip(zip(model.parameters(), before), expected) {
      let moved = old - 0.1 * gradient
      #expect((parameter.detach() - moved).abs().max().item() < 1e-7)
    }
    // The decoder's gradient of the encoder's loss is not zero, so this is not what one
    // backward of the sum would have done.
    let decoderFromEncoderLoss = grad(of: [model.losses(x).encoder], wrt: model.decoder.parameters())
    #expect(decoderFromEncoderLoss.map { $0.abs().max().item() }.max()! > 0)
  }

  @Test func transformedCopiesCarryJointLabels() {
    let images = Tensor.arange(2 * 1 * 2 * 2, dtype: .float32).reshape(2, 1, 2, 2)
    let base = LabelledData(points: images, labels: Tensor([2, 0], shape: [2]).to(.int64), batchSize: 2)
    let data = TransformedCopies(base, transforms: [{ $0 }, { $0.flipped(3) }, { $0.flipped(2) }])
    let order: EpochOrder = ["orders": Tensor([1, 0], shape: [2]).to(.int64)]
    let batch = data.batch(0, of: order)
    #expect(batch.x.shape == [6, 1, 2, 2])
    #expect(batch.labels.toArray(Int64.self) == [0, 2])
    // Image 1 (label 0) first, its three copies next to each other, then image 0 (label 2).
    #expect(batch.jointLabels.toArray(Int64.self) == [0, 1, 2, 6, 7, 8])
    #expect(batch.transformations.toArray(Int64.self) == [0, 1, 2, 0, 1, 2])
    #expect(batch.x[1].toArray(Float.self) == images[1].flipped(2).toArray(Float.self))
    #expect(batch.x[3].toArray(Float.self) == images[0].toArray(Float.self))
  }

  /// A checkpoint whose interrupted epoch does not fit the data (another set size) is refused
  /// with a message that names the file, not misread.
  @Test func resumeRefusesAnOrderFromOtherData() throws {
    let dir = try folder()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("model.safetensors")
    Torch.manualSeed(5)
    let model = TwoLossAutoencoder()
    let loop = TrainingLoop(.epochs(2), seed: 1, checkpoint: url, config: "c")
    let data = UnlabelledData(points: Tensor.randn([40, 6]), batchSize: 8)
    #expect(throws: TrainingError.self) {
      _ = try loop.run(Terminating(base: model, at: 2), optimizers: model.optimizers(), data: data, resume: false)
    }
    let other = UnlabelledData(points: Tensor.randn([48, 6]), batchSize: 8)
    #expect {
      _ = try loop.run(model, optimizers: model.optimizers(), data: other, resume: true)
    } throws: { error in
      error is CheckpointError && "\(error)".contains(url.path) && "\(error)".contains("does not fit this run")
    }
  }
}
