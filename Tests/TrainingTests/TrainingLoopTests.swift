import Foundation
import NN
import Testing
import Torch
@testable import Training

/// The training loop resumes exactly, keeps the last good checkpoint when training diverges,
/// and refuses to resume a run with another configuration.
struct TrainingLoopTests {
  func folder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-loop-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// A regression loss whose batch is drawn from the generator the loop seeds each step.
  func loss(_ model: MLP) -> (Int) -> Tensor {
    { _ in
      let x = Tensor.randn([16, 2])
      return mseLoss(model(x), x.sum(1, keepDim: true).sin())
    }
  }

  /// Steps an MLP on whatever loss the batch closure built (the loop's seeding draws it).
  struct Regression: Objective {
    let model: MLP
    var module: Module { model }
    func step(_ loss: Tensor, optimizers: Optimizers) -> LossTerms {
      optimizers.minimize(loss)
      return ["loss": loss.item()]
    }
  }

  func loop(steps: Int, checkpoint: URL, checkpointEvery: Int = 1000, config: String) -> TrainingLoop {
    TrainingLoop(.steps(steps), seed: 1, checkpoint: checkpoint, checkpointEvery: checkpointEvery, config: config)
  }

  func parameters(_ model: Module) -> [Float] { model.parameters().flatMap { $0.toArray(Float.self) } }

  /// Two MLPs with the same initial weights, drawn from `seed`.
  func twins(seed: UInt64) throws -> (MLP, MLP) {
    Torch.manualSeed(seed)
    let first = MLP([2, 16, 1])
    let second = MLP([2, 16, 1])
    try second.loadStateDict(Dictionary(uniqueKeysWithValues: first.stateDict().map { ($0.name, $0.tensor.clone()) }))
    return (first, second)
  }

  @Test func resumedRunEqualsUninterruptedRun() throws {
    let dir = folder()
    let (reference, model) = try twins(seed: 7)
    let whole = loop(steps: 10, checkpoint: dir.appendingPathComponent("a.safetensors"), checkpointEvery: 5, config: "c")
    _ = try whole.run(
      Regression(model: reference), optimizers: Optimizers(Adam(reference.parameters(), learningRate: 1e-2)), resume: false,
      batch: loss(reference))

    let url = dir.appendingPathComponent("b.safetensors")
    var first = loop(steps: 5, checkpoint: url, checkpointEvery: 5, config: "c")
    let firstHalf = try first.run(
      Regression(model: model), optimizers: Optimizers(Adam(model.parameters(), learningRate: 1e-2)), resume: false,
      batch: loss(model))
    first.length = .steps(10)
    let fresh = MLP([2, 16, 1])
    let summary = try first.run(
      Regression(model: fresh), optimizers: Optimizers(Adam(fresh.parameters(), learningRate: 1e-2)), resume: true,
      batch: loss(fresh))
    #expect(summary.firstStep == 5)
    #expect(summary.finalLoss?.isFinite == true)
    #expect(parameters(fresh) == parameters(reference))
    // Resuming the finished run takes no step: no loss or rate to report (nil, not NaN or 0).
    let again = try first.run(
      Regression(model: fresh), optimizers: Optimizers(Adam(fresh.parameters(), learningRate: 1e-2)), resume: true,
      batch: loss(fresh))
    #expect(again.firstStep == 10 && again.lastStep == 10 && again.finalLoss == nil && again.stepsPerSecond == nil)
    #expect(summary.stepsPerSecond.map { $0 > 0 } == true)
    // Training time adds up over the runs that built the checkpoint.
    let earlier = summary.totalSeconds - summary.seconds
    #expect(earlier > 0 && earlier <= firstHalf.seconds + 1e-6)
    let saved = try Checkpoint.info(at: url).trainSeconds
    #expect(again.seconds == 0 && again.totalSeconds == saved)
  }

  /// The hook runs after each scheduled checkpoint, once the checkpoint is on disk, and the
  /// model trains on in training mode afterwards; an evaluation inside it (which draws random
  /// numbers and switches to evaluation mode) leaves the run's result unchanged.
  @Test func afterCheckpointRunsAtEachCheckpointWithoutChangingTheRun() throws {
    let dir = folder()
    let (plain, hooked) = try twins(seed: 3)
    let plainLoop = loop(steps: 7, checkpoint: dir.appendingPathComponent("a.safetensors"), checkpointEvery: 3, config: "c")
    _ = try plainLoop.run(
      Regression(model: plain), optimizers: Optimizers(Adam(plain.parameters(), learningRate: 1e-2)), resume: false,
      batch: loss(plain))

    let url = dir.appendingPathComponent("b.safetensors")
    var calls: [Int] = []
    var trainingMode: [Bool] = []
    let hookedLoop = loop(steps: 7, checkpoint: url, checkpointEvery: 3, config: "c")
    _ = try hookedLoop.run(
      Regression(model: hooked), optimizers: Optimizers(Adam(hooked.parameters(), learningRate: 1e-2)), resume: false,
      afterCheckpoint: { step, seconds in
        calls.append(step)
        let saved = try Checkpoint.info(at: url)
        #expect(saved.step == step && seconds >= 0)
        hooked.eval()
        _ = Tensor.randn([100])
      }
    ) { step in
      trainingMode.append(hooked.isTraining)
      return loss(hooked)(step)
    }
    #expect(calls == [3, 6, 7])
    #expect(trainingMode == Array(repeating: true, count: 7))
    #expect(hooked.isTraining == false)  // the loop ends in evaluation mode, as without a hook
    #expect(parameters(hooked) == parameters(plain))
  }

  @Test func divergenceKeepsTheLastGoodCheckpoint() throws {
    let url = folder().appendingPathComponent("model.safetensors")
    let model = MLP([2, 8, 1])
    let diverging = loop(steps: 20, checkpoint: url, checkpointEvery: 4, config: "c")
    let base = loss(model)
    #expect {
      _ = try diverging.run(
        Regression(model: model), optimizers: Optimizers(SGD(model.parameters(), learningRate: 1e-2)), resume: false
      ) { step in
        step < 7 ? base(step) : base(step) * Double.nan
      }
    } throws: { error in
      guard case TrainingError.diverged(_, let step, _, _, let lastGood) = error else { return false }
      return step == 7 && lastGood == 4
    }
    #expect(try Checkpoint.info(at: url).step == 4)
  }

  @Test func resumeRefusesAnotherConfiguration() throws {
    let url = folder().appendingPathComponent("model.safetensors")
    let model = MLP([2, 8, 1])
    _ = try loop(steps: 2, checkpoint: url, config: "lr=1").run(
      Regression(model: model), optimizers: Optimizers(SGD(model.parameters(), learningRate: 1e-2)), resume: false,
      batch: loss(model))
    #expect(throws: CheckpointError.self) {
      _ = try loop(steps: 4, checkpoint: url, config: "lr=2").run(
        Regression(model: model), optimizers: Optimizers(SGD(model.parameters(), learningRate: 1e-2)), resume: true,
        batch: loss(model))
    }
  }
}

/// The printed rate follows the recent speed: after a 10-minute pause it is back to the new
/// speed within the rate window instead of averaging the pause in for the rest of the run.
struct ProgressReporterTests {
  @Test func rateCoversTheRecentWindow() {
    let progress = ProgressReporter(totalSteps: 10_000)
    let t0 = progress.start
    // 10 steps/s for 100 s, then a 600 s pause, then 2 steps/s.
    for second in 1...100 { _ = progress.recentRate(step: 10 * second, at: t0 + Double(second)) }
    #expect(abs(progress.recentRate(step: 1_000, at: t0 + 100) - 10) < 1e-9)
    var rate = 0.0
    for second in 1...120 { rate = progress.recentRate(step: 1_000 + 2 * second, at: t0 + 700 + Double(second)) }
    #expect(abs(rate - 2) < 1e-9, "rate \(rate)")
    // The whole-run average would read (1,000 + 240) / 820 s ≈ 1.5 steps/s.
    #expect(progress.recent.count <= 62)
  }
}
