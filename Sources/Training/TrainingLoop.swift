import Foundation
import NN
import Torch

/// How long a run trains, and what its checkpoint's step counts.
public enum TrainingLength: Sendable, Equatable {
  /// Optimiser steps, each drawing its own batch: step s (1-based) seeds libtorch's generator
  /// with seed + s first, so a resumed run draws exactly the batches and noise of an
  /// uninterrupted one (the Neural Process trainers).
  case steps(Int)
  /// Passes over an `EpochData` set: epoch e (0-based) seeds the generator with seed + e and
  /// draws its batch order; the checkpoint counts finished epochs.
  case epochs(Int)

  var count: Int {
    switch self {
    case .steps(let n), .epochs(let n): n
    }
  }

  /// What the checkpoint's step counts, for messages.
  public var unit: String {
    switch self {
    case .steps: "step"
    case .epochs: "epoch"
    }
  }
}

/// The one resumable training loop: it seeds, draws batches, calls an `Objective`'s step,
/// applies each optimiser's learning-rate schedule, prints progress, checkpoints atomically
/// every `checkpointEvery` steps or epochs (and at the end), stops with the last good
/// checkpoint kept when a loss or a parameter stops being finite, and on Ctrl-C or SIGTERM
/// saves after the current step, mid-epoch too, so that a resumed run ends bit for bit where an
/// uninterrupted one does. A checkpoint saved mid-epoch holds the epoch's batch order, the
/// steps done and the generator state after them.
public struct TrainingLoop {
  public var length: TrainingLength
  public var seed: UInt64
  /// The safetensors checkpoint; nil trains without checkpoints (toy runs), and then without
  /// resuming or saving on Ctrl-C.
  public var checkpoint: URL?
  /// Steps (or epochs) between scheduled checkpoints.
  public var checkpointEvery: Int
  /// The run's configuration (typically JSON), saved in the checkpoint; resuming needs the same.
  public var config: String
  /// Prefix of the progress lines.
  public var label: String

  /// Metadata key of a checkpoint saved mid-epoch: the batches of the unfinished epoch done.
  public static let batchesDoneKey = "epoch_batches_done"
  /// Run-state name of the generator state saved mid-epoch (the order's tensors keep their names).
  static let generatorName = "generator"

  public init(
    _ length: TrainingLength, seed: UInt64, checkpoint: URL?, checkpointEvery: Int? = nil, config: String = "",
    label: String = "train"
  ) {
    precondition(length.count >= 0, "a run cannot train \(length.count) \(length.unit)s")
    self.length = length
    self.seed = seed
    self.checkpoint = checkpoint
    if case .steps = length { self.checkpointEvery = checkpointEvery ?? 1000 } else { self.checkpointEvery = checkpointEvery ?? 1 }
    precondition(self.checkpointEvery > 0, "checkpointEvery must be positive, got \(self.checkpointEvery)")
    self.config = config
    self.label = label
  }

  /// Trains `objective` for `.steps(n)`: `batch(step)` draws step `step`'s batch (1-based),
  /// after the loop has seeded the generator for it. `afterCheckpoint(step, trainSeconds)`
  /// runs after each scheduled checkpoint (not one forced by Ctrl-C), e.g. to score held-out
  /// data; the module is back in training mode afterwards.
  public func run<O: Objective>(
    _ objective: O, optimizers: Optimizers, resume: Bool,
    afterCheckpoint: (_ step: Int, _ trainSeconds: Double) throws -> Void = { _, _ in },
    batch: (_ step: Int) throws -> O.Batch
  ) throws -> TrainingSummary {
    guard case .steps = length else {
      preconditionFailure("an epoch-counted run needs its EpochData: call run(_:optimizers:data:resume:)")
    }
    return try withoutActuallyEscaping(batch) { batch in
      let plan = Plan<O.Batch>(
        batchesPerUnit: 1, drawOrder: { [:] }, accepts: { $0.isEmpty }, batch: { unit, _, _ in try batch(unit + 1) })
      return try train(objective, optimizers: optimizers, plan: plan, resume: resume, afterCheckpoint: afterCheckpoint)
    }
  }

  /// Trains `objective` for `.epochs(n)` over `data`; `afterCheckpoint(epochs, trainSeconds)`
  /// runs after each scheduled checkpoint (the next epoch reseeds, so it may draw random numbers).
  public func run<O: Objective, Data: EpochData>(
    _ objective: O, optimizers: Optimizers, data: Data, resume: Bool,
    afterCheckpoint: (_ epochs: Int, _ trainSeconds: Double) throws -> Void = { _, _ in }
  ) throws -> TrainingSummary where Data.Batch == O.Batch {
    guard case .epochs = length else {
      preconditionFailure("a step-counted run draws its own batches: call run(_:optimizers:resume:batch:)")
    }
    precondition(data.batchesPerEpoch > 0, "the data make no full batch")
    let plan = Plan<O.Batch>(
      batchesPerUnit: data.batchesPerEpoch, drawOrder: data.drawOrder, accepts: data.accepts,
      batch: { _, index, order in data.batch(index, of: order) })
    return try train(objective, optimizers: optimizers, plan: plan, resume: resume, afterCheckpoint: afterCheckpoint)
  }

  /// How a run's units (steps or epochs) turn into batches.
  struct Plan<Batch> {
    var batchesPerUnit: Int
    var drawOrder: () -> EpochOrder
    var accepts: (EpochOrder) -> Bool
    var batch: (_ unit: Int, _ index: Int, _ order: EpochOrder) throws -> Batch
  }

  /// Where an interrupted unit stopped: its order, the batches done and the generator state.
  struct InProgress {
    var order: EpochOrder
    var batchesDone: Int
    var generatorState: Tensor
  }

  /// The seed of unit `unit` (0-based): steps count from 1, as the NP trainers always have.
  func unitSeed(_ unit: Int) -> UInt64 {
    if case .steps = length { return seed &+ UInt64(unit + 1) }
    return seed &+ UInt64(unit)
  }

  func train<O: Objective>(
    _ objective: O, optimizers: Optimizers, plan: Plan<O.Batch>, resume: Bool,
    afterCheckpoint: (Int, Double) throws -> Void
  ) throws -> TrainingSummary {
    let model = objective.module
    let units = length.count
    let restored = resume ? try restore(model, optimizers, plan) : nil
    let start = restored?.units ?? 0
    var inProgress = restored?.inProgress
    let earlierSeconds = restored?.seconds ?? 0
    let batches = plan.batchesPerUnit
    let progress = ProgressReporter(
      totalSteps: units * batches, label: label, firstStep: start * batches + (inProgress?.batchesDone ?? 0))
    var lastGood: Int? = start > 0 ? start : nil
    var finalTerms: LossTerms?
    // Without a checkpoint there is nothing to save: Ctrl-C stops the process as usual.
    let interrupts = checkpoint == nil ? nil : InterruptFlag.install()
    defer { if let interrupts { InterruptFlag.uninstall(interrupts) } }
    var interrupted: Bool { interrupts != nil && InterruptFlag.isSet }
    defer { model.eval() }

    /// Saves the checkpoint after `done` finished units (and `inProgress`'s batches of the
    /// next); returns the training seconds it records.
    @discardableResult
    func save(_ done: Int, inProgress: InProgress? = nil) throws -> Double {
      let seconds = earlierSeconds + progress.elapsedSeconds
      guard let checkpoint else { return seconds }
      guard Self.allFinite(model) else {
        throw TrainingError.diverged(
          unit: length.unit, at: inProgress == nil ? done : done + 1, loss: .nan, checkpoint: checkpoint,
          lastGood: lastGood)
      }
      var metadata = [CheckpointInfo.trainSecondsKey: String(seconds)]
      var runState: [(name: String, tensor: Tensor)] = []
      if let inProgress {
        metadata[Self.batchesDoneKey] = String(inProgress.batchesDone)
        runState = inProgress.order.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        runState.append((Self.generatorName, inProgress.generatorState))
      }
      try Checkpoint.save(
        model: model, optimizers: optimizers.all.map { ($0.name, $0.optimizer) }, step: done, seed: seed,
        config: config, extraMetadata: metadata, runState: runState, to: checkpoint)
      return seconds
    }

    model.train()
    for unit in start..<Swift.max(start, units) {
      for scheduled in optimizers.all { scheduled.schedule.apply(to: scheduled.optimizer, step: unit) }
      let order: EpochOrder
      let firstBatch: Int
      if let resumed = inProgress {
        order = resumed.order
        firstBatch = resumed.batchesDone
        do {
          try Torch.restoreGenerator(resumed.generatorState)
        } catch {
          throw CheckpointError(file: checkpoint!, detail: "its generator state does not load (\(error))")
        }
        inProgress = nil
      } else {
        Torch.manualSeed(unitSeed(unit))
        order = plan.drawOrder()
        firstBatch = 0
      }
      for index in firstBatch..<batches {
        let globalStep = unit * batches + index + 1
        let batch = try plan.batch(unit, index, order)
        objective.prepare(forStep: globalStep)
        let terms = try objective.step(batch, optimizers: optimizers)
        finalTerms = terms
        if let bad = terms.firstNonFinite {
          throw TrainingError.diverged(
            unit: length.unit, at: unit + 1, loss: bad.value, checkpoint: checkpoint, lastGood: lastGood)
        }
        progress.update(step: globalStep, loss: terms.loss, extra: length.unit == "epoch" ? "epoch \(unit + 1)/\(units)" : "")
        if interrupted, index + 1 < batches {
          try save(
            unit, inProgress: InProgress(order: order, batchesDone: index + 1, generatorState: Torch.generatorState()))
          throw TrainingError.interrupted(step: globalStep, checkpoint: checkpoint!)
        }
      }
      let done = unit + 1
      if done % checkpointEvery == 0 || done == units || interrupted {
        let seconds = try save(done)
        if checkpoint != nil { lastGood = done }
        if interrupted, done < units { throw TrainingError.interrupted(step: done * batches, checkpoint: checkpoint!) }
        try afterCheckpoint(done, seconds)
        model.train()
      }
    }
    let ran = start < units
    let seconds = ran ? progress.elapsedSeconds : 0
    return TrainingSummary(
      firstStep: start, lastStep: Swift.max(start, units), seconds: seconds, totalSeconds: earlierSeconds + seconds,
      finalTerms: ran ? finalTerms : nil)
  }

  /// Loads the checkpoint, if there is one: its finished units, training seconds and, when it
  /// was saved mid-epoch, where that epoch stopped.
  func restore<Batch>(
    _ model: Module, _ optimizers: Optimizers, _ plan: Plan<Batch>
  ) throws -> (units: Int, seconds: Double, inProgress: InProgress?)? {
    guard let url = checkpoint, FileManager.default.fileExists(atPath: url.path) else { return nil }
    let info = try Checkpoint.info(at: url)
    if let saved = info.config, saved != config {
      throw CheckpointError(
        file: url,
        detail: "was trained with a different configuration:\n  saved: \(saved)\n  now:   \(config)\n"
          + "use another --out folder or the same flags")
    }
    let inProgress = try info.metadata[Self.batchesDoneKey].map { text in
      var state = try Checkpoint.runState(at: url)
      let generator = state.removeValue(forKey: Self.generatorName)
      guard let done = Int(text), (1..<plan.batchesPerUnit).contains(done), let generator, plan.accepts(state) else {
        throw CheckpointError(
          file: url,
          detail: "its record of the interrupted epoch (batches done '\(text)', batch orders, generator state) "
            + "does not fit this run; retrain in another --out folder")
      }
      return InProgress(order: state, batchesDone: done, generatorState: generator)
    }
    let units = try Checkpoint.load(from: url, into: model, optimizers: optimizers.all.map { ($0.name, $0.optimizer) }).step
    let position = inProgress.map { " and batch \($0.batchesDone) of epoch \(units + 1)" } ?? ""
    let after = length.unit == "epoch" ? "after epoch \(units)\(position)" : "from step \(units)"
    FileHandle.standardError.write("[\(label)] resuming \(after) (\(url.path))\n".data(using: .utf8)!)
    return (units, info.trainSeconds, inProgress)
  }

  static func allFinite(_ model: Module) -> Bool {
    withNoGrad { model.parameters().allSatisfy { $0.isFinite().all().item() != 0 } }
  }
}

/// What a finished run did.
public struct TrainingSummary: Sendable {
  /// Steps (or epochs) the checkpoint held when this run started.
  public var firstStep: Int
  /// Steps (or epochs) trained in all.
  public var lastStep: Int
  /// Seconds of this run.
  public var seconds: Double
  /// Seconds of every run that built the checkpoint, this one included.
  public var totalSeconds: Double
  /// The last step's loss terms; nil when the run took no step (it resumed a finished one).
  public var finalTerms: LossTerms?

  /// The last step's loss; nil when the run took no step.
  public var finalLoss: Double? { finalTerms?.loss }
  /// This run's rate in steps (or epochs) per second; nil when it took none.
  public var stepsPerSecond: Double? {
    lastStep > firstStep ? Double(lastStep - firstStep) / Swift.max(seconds, 1e-9) : nil
  }
}
