import Foundation
import Torch

/// Why a training run stopped early.
public enum TrainingError: Error, CustomStringConvertible {
  /// The loss or the parameters stopped being finite; the last good checkpoint was kept.
  case diverged(step: Int, loss: Double, checkpoint: URL, lastGoodStep: Int?)
  /// Ctrl-C or SIGTERM: the state at `step` was saved, rerun with resume to continue.
  case interrupted(step: Int, checkpoint: URL)

  public var description: String {
    switch self {
    case .diverged(let step, let loss, let checkpoint, let lastGood):
      let kept = lastGood.map { "the last good checkpoint (step \($0)) is kept at \(checkpoint.path)" } ?? "no checkpoint was written"
      return "training diverged at step \(step) (loss \(loss)); \(kept). Lower the learning rate or resume from it."
    case .interrupted(let step, let checkpoint):
      return "interrupted at step \(step); state saved to \(checkpoint.path) — rerun with --resume to continue."
    }
  }
}

/// What a finished run did.
public struct TrainingSummary: Sendable {
  public var firstStep: Int
  public var lastStep: Int
  /// Seconds of this run.
  public var seconds: Double
  /// Seconds of every run that built the checkpoint, this one included.
  public var totalSeconds: Double
  /// The last step's loss; nil when the run took no step (a resumed run that was already finished).
  public var finalLoss: Double?
  /// This run's rate; nil when it took no step.
  public var stepsPerSecond: Double? { lastStep > firstStep ? Double(lastStep - firstStep) / Swift.max(seconds, 1e-9) : nil }
}

/// A resumable training loop: progress on standard error, atomic checkpoints every
/// `checkpointEvery` steps, a stop with the last good checkpoint kept when training diverges,
/// and a checkpoint on Ctrl-C.
///
/// Step `s` seeds libtorch's generator with `seed + s` before computing its loss, so the
/// batches and noise of a resumed run are exactly those of an uninterrupted one.
public struct TrainingLoop {
  public var steps: Int
  public var seed: UInt64
  public var checkpoint: URL
  public var checkpointEvery: Int
  /// Saved in the checkpoint; a resumed run must have the same.
  public var config: String
  public var label: String
  /// Applied before every optimizer step, so a resumed run continues the same curve.
  public var schedule: LearningRateSchedule

  public init(steps: Int, seed: UInt64, checkpoint: URL, checkpointEvery: Int = 1000, config: String, label: String = "train",
              schedule: LearningRateSchedule = .constant) {
    self.steps = steps
    self.seed = seed
    self.checkpoint = checkpoint
    self.checkpointEvery = checkpointEvery
    self.config = config
    self.label = label
    self.schedule = schedule
  }

  /// Trains `model` with `optimizer`; `loss(step)` builds the loss of one step (1-based).
  /// With `resume`, continues from the checkpoint when there is one. `afterCheckpoint(step,
  /// trainSeconds)` runs after each scheduled checkpoint (not after one forced by Ctrl-C), e.g.
  /// to score held-out data; the model is back in training mode afterwards.
  public func run(
    model: Module, optimizer: Optimizer, resume: Bool,
    afterCheckpoint: (_ step: Int, _ trainSeconds: Double) throws -> Void = { _, _ in },
    loss: (Int) throws -> Tensor
  ) throws -> TrainingSummary {
    var start = 0
    var earlierSeconds = 0.0
    if resume, FileManager.default.fileExists(atPath: checkpoint.path) {
      let info = try Checkpoint.info(at: checkpoint)
      if let saved = info.config, saved != config {
        throw CheckpointError(file: checkpoint, detail: "was trained with a different configuration:\n  saved: \(saved)\n  now:   \(config)\nuse another --out folder or the same flags")
      }
      start = try Checkpoint.load(from: checkpoint, into: model, optimizer: optimizer).step
      earlierSeconds = info.trainSeconds
      FileHandle.standardError.write("[\(label)] resuming from step \(start) (\(checkpoint.path))\n".data(using: .utf8)!)
    }
    let progress = ProgressReporter(totalSteps: steps, label: label, firstStep: start)
    var lastGood: Int? = start > 0 ? start : nil
    var finalLoss = Double.nan
    let interrupts = InterruptFlag.install()
    defer { InterruptFlag.uninstall(interrupts) }
    model.train()
    defer { model.eval() }
    guard start < steps else {
      return TrainingSummary(firstStep: start, lastStep: start, seconds: 0, totalSeconds: earlierSeconds, finalLoss: nil)
    }
    for step in (start + 1)...steps {
      Torch.manualSeed(seed &+ UInt64(step))
      optimizer.zeroGrad()
      let value = try loss(step)
      finalLoss = value.item()
      guard finalLoss.isFinite else {
        throw TrainingError.diverged(step: step, loss: finalLoss, checkpoint: checkpoint, lastGoodStep: lastGood)
      }
      value.backward()
      schedule.apply(to: optimizer, step: step - 1)
      optimizer.step()
      progress.update(step: step, loss: finalLoss)
      if step % checkpointEvery == 0 || step == steps || InterruptFlag.isSet {
        guard Self.allFinite(model) else {
          throw TrainingError.diverged(step: step, loss: .nan, checkpoint: checkpoint, lastGoodStep: lastGood)
        }
        let trainSeconds = earlierSeconds + progress.elapsedSeconds
        try Checkpoint.save(
          model: model, optimizer: optimizer, step: step, seed: seed, config: config,
          extraMetadata: [CheckpointInfo.trainSecondsKey: String(trainSeconds)], to: checkpoint)
        lastGood = step
        if InterruptFlag.isSet, step < steps { throw TrainingError.interrupted(step: step, checkpoint: checkpoint) }
        try afterCheckpoint(step, trainSeconds)
        model.train()
      }
    }
    return TrainingSummary(
      firstStep: start, lastStep: steps, seconds: progress.elapsedSeconds, totalSeconds: earlierSeconds + progress.elapsedSeconds,
      finalLoss: finalLoss)
  }

  static func allFinite(_ model: Module) -> Bool {
    withNoGrad { model.parameters().allSatisfy { $0.isFinite().all().item() != 0 } }
  }
}

/// Turns Ctrl-C (SIGINT) and `kill` (SIGTERM) into a flag a training loop checks, so it can
/// save before stopping.
public enum InterruptFlag {
  nonisolated(unsafe) public static var isSet = false

  /// Clears the flag and installs the handlers; returns the previous ones for `uninstall`.
  public static func install() -> [sig_t?] {
    isSet = false
    return [SIGINT, SIGTERM].map { signal($0) { _ in InterruptFlag.isSet = true } }
  }

  public static func uninstall(_ previous: [sig_t?]) {
    for (signalNumber, handler) in zip([SIGINT, SIGTERM], previous) { signal(signalNumber, handler) }
  }
}
