import Foundation
import NN
import Torch

/// Where a resumable `MiniBatchEpochs` run keeps its state and what a resumed run must match.
public struct EpochCheckpointing {
  /// The safetensors checkpoint, rewritten (atomically) after every epoch.
  public var url: URL
  /// The run's configuration (JSON), saved in the checkpoint; resuming needs the same.
  public var config: String
  /// Epoch e seeds libtorch's generator with seed + e, so a resumed run draws the batches and
  /// dropout masks an uninterrupted one would.
  public var seed: UInt64
  /// Learning-rate multiplier by epoch (MultiStepLR's milestones count epochs).
  public var schedule: LearningRateSchedule
  /// Metadata key of a checkpoint saved mid-epoch: the batches of the unfinished epoch done.
  public static let batchesDoneKey = "epoch_batches_done"

  public init(url: URL, config: String, seed: UInt64, schedule: LearningRateSchedule = .constant) {
    self.url = url
    self.config = config
    self.seed = seed
    self.schedule = schedule
  }
}

/// An optimiser of a resumable run with its learning-rate schedule by epoch, saved in the
/// checkpoint under `name` (empty: the single-optimiser layout).
public struct ScheduledOptimizer {
  public var name: String
  public var optimizer: Optimizer
  public var schedule: LearningRateSchedule

  public init(name: String = "", _ optimizer: Optimizer, schedule: LearningRateSchedule) {
    self.name = name
    self.optimizer = optimizer
    self.schedule = schedule
  }
}

/// What a resumable run did.
public struct EpochSummary: Codable, Sendable, Equatable {
  /// Epochs the checkpoint held when this run started.
  public var firstEpoch: Int
  /// Epochs trained in all (the checkpoint's step count).
  public var epochs: Int
  /// Seconds of this run.
  public var seconds: Double
  /// Seconds summed over this run and the runs it resumed.
  public var totalSeconds: Double
  /// The last batch's loss; nil when the run took no step (it resumed a finished one).
  public var finalLoss: Double?
}

/// Where an interrupted epoch stopped: its batch orders, the batches done and the generator
/// state after them, saved in the checkpoint so that resuming finishes the epoch exactly.
struct EpochInProgress {
  var orders: [Tensor]
  var batchesDone: Int
  var generatorState: Tensor

  var runState: [(name: String, tensor: Tensor)] { [("orders", Tensor.stack(orders)), ("generator", generatorState)] }
}

extension MiniBatchEpochs {
  /// Trains `model` for `epochs` epochs of shuffled batches of `points` [n, ...] and `labels`
  /// [n], saving model and optimiser after every epoch; with `resume`, continues from the
  /// checkpoint when it exists (the checkpoint's step counts finished epochs).
  ///
  /// Each epoch draws `streams` independent batch orders (one per ensemble member); `step` takes
  /// one batch per stream, makes one optimiser step and returns the loss. A loss or parameter
  /// that stops being finite throws `TrainingError.diverged`, keeping the last good checkpoint.
  /// Ctrl-C or SIGTERM saves after the current batch, with where the epoch stopped, and throws
  /// `TrainingError.interrupted`; resuming then draws what the uninterrupted run would have.
  /// `afterEpoch(epochs, trainSeconds)` runs after each epoch's checkpoint (e.g. to score
  /// held-out data; the next epoch reseeds the generator, so it may draw random numbers).
  public func run(
    points: Tensor, labels: Tensor, model: Module, optimizer: Optimizer, checkpointing: EpochCheckpointing,
    resume: Bool, streams: Int = 1, afterEpoch: (_ epochs: Int, _ trainSeconds: Double) throws -> Void = { _, _ in },
    step: ([(x: Tensor, labels: Tensor)]) -> Double
  ) throws -> EpochSummary {
    try run(
      points: points, labels: labels, model: model,
      optimizers: [ScheduledOptimizer(optimizer, schedule: checkpointing.schedule)], checkpointing: checkpointing,
      resume: resume, streams: streams, afterEpoch: afterEpoch, step: step)
  }

  /// The same loop for methods that step several optimisers (SDE-Net's drift and diffusion):
  /// each follows its own schedule, and the checkpoint holds every one's state under its name
  /// (`checkpointing.schedule` is not used).
  public func run(
    points: Tensor, labels: Tensor, model: Module, optimizers: [ScheduledOptimizer],
    checkpointing: EpochCheckpointing, resume: Bool, streams: Int = 1,
    afterEpoch: (_ epochs: Int, _ trainSeconds: Double) throws -> Void = { _, _ in },
    step: ([(x: Tensor, labels: Tensor)]) -> Double
  ) throws -> EpochSummary {
    let batches = points.size(0) / batchSize
    precondition(batches > 0, "\(points.size(0)) points make no full batch of \(batchSize)")
    let restored = resume ? try restore(
        model, optimizers, checkpointing, pointCount: points.size(0), batches: batches, streams: streams) : nil
    let start = restored?.epochs ?? 0
    var inProgress = restored?.inProgress
    let earlierSeconds = restored?.seconds ?? 0
    let progress = ProgressReporter(
      totalSteps: epochs * batches, label: label, firstStep: start * batches + (inProgress?.batchesDone ?? 0))
    var lastGood: Int? = start > 0 ? start : nil
    var loss = Double.nan
    let interrupts = InterruptFlag.install()
    defer { InterruptFlag.uninstall(interrupts) }
    defer { model.eval() }

    /// Saves the checkpoint; returns the training seconds it records.
    @discardableResult
    func save(epochs: Int, inProgress: EpochInProgress? = nil) throws -> Double {
      guard allFinite(model) else {
        // The epoch that diverged, 1-based: the one just finished, or the one interrupted.
        let epoch = inProgress == nil ? epochs : epochs + 1
        throw TrainingError.diverged(step: epoch, loss: .nan, checkpoint: checkpointing.url, lastGoodStep: lastGood)
      }
      let seconds = earlierSeconds + progress.elapsedSeconds
      var metadata = [CheckpointInfo.trainSecondsKey: String(seconds)]
      if let inProgress { metadata[EpochCheckpointing.batchesDoneKey] = String(inProgress.batchesDone) }
      try Checkpoint.save(
        model: model, optimizers: optimizers.map { ($0.name, $0.optimizer) }, step: epochs, seed: checkpointing.seed,
        config: checkpointing.config, extraMetadata: metadata, runState: inProgress?.runState ?? [],
        to: checkpointing.url)
      return seconds
    }

    for epoch in start..<Swift.max(start, epochs) {
      for scheduled in optimizers { scheduled.schedule.apply(to: scheduled.optimizer, step: epoch) }
      let orders: [Tensor]
      let firstBatch: Int
      if let resumed = inProgress {
        orders = resumed.orders
        firstBatch = resumed.batchesDone
        do {
          try Torch.restoreGenerator(resumed.generatorState)
        } catch {
          throw CheckpointError(file: checkpointing.url, detail: "its generator state does not load (\(error))")
        }
        inProgress = nil
      } else {
        Torch.manualSeed(checkpointing.seed &+ UInt64(epoch))
        orders = (0..<streams).map { _ in Tensor.randperm(points.size(0)) }
        firstBatch = 0
      }
      for b in firstBatch..<batches {
        let batch = orders.map { order in
          let index = order[(b * batchSize)..<((b + 1) * batchSize)]
          return (x: points.indexSelect(dim: 0, index: index), labels: labels.indexSelect(dim: 0, index: index))
        }
        loss = step(batch)
        // Steps in these errors count epochs, as the checkpoint does.
        guard loss.isFinite else {
          throw TrainingError.diverged(step: epoch + 1, loss: loss, checkpoint: checkpointing.url, lastGoodStep: lastGood)
        }
        let globalStep = epoch * batches + b + 1
        progress.update(step: globalStep, loss: loss, extra: "epoch \(epoch + 1)/\(epochs)")
        if InterruptFlag.isSet, b + 1 < batches {
          try save(
            epochs: epoch,
            inProgress: EpochInProgress(orders: orders, batchesDone: b + 1, generatorState: Torch.generatorState()))
          throw TrainingError.interrupted(step: globalStep, checkpoint: checkpointing.url)
        }
      }
      let seconds = try save(epochs: epoch + 1)
      lastGood = epoch + 1
      if InterruptFlag.isSet, epoch + 1 < epochs {
        throw TrainingError.interrupted(step: (epoch + 1) * batches, checkpoint: checkpointing.url)
      }
      try afterEpoch(epoch + 1, seconds)
    }
    let seconds = start < epochs ? progress.elapsedSeconds : 0
    return EpochSummary(
      firstEpoch: start, epochs: Swift.max(start, epochs), seconds: seconds, totalSeconds: earlierSeconds + seconds,
      finalLoss: start < epochs ? loss : nil)
  }

  /// Loads the checkpoint, if there is one: its finished epochs, training seconds and, when it
  /// was saved mid-epoch, where that epoch stopped.
  func restore(
    _ model: Module, _ optimizers: [ScheduledOptimizer], _ checkpointing: EpochCheckpointing, pointCount: Int, batches: Int,
    streams: Int
  ) throws -> (epochs: Int, seconds: Double, inProgress: EpochInProgress?)? {
    let url = checkpointing.url
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    let info = try Checkpoint.info(at: url)
    if let saved = info.config, saved != checkpointing.config {
      throw CheckpointError(
        file: url,
        detail: "was trained with a different configuration:\n  saved: \(saved)\n  now:   \(checkpointing.config)\n"
          + "use another --out folder or the same flags")
    }
    let inProgress = try info.metadata[EpochCheckpointing.batchesDoneKey].map { text in
      let state = try Checkpoint.runState(at: url)
      guard let done = Int(text), (1..<batches).contains(done), let orders = state["orders"],
        orders.shape == [streams, pointCount], orders.dtype == .int64,
        let generator = state["generator"]
      else {
        throw CheckpointError(
          file: url, detail: "its record of the interrupted epoch (batches done '\(text)', batch orders, generator "
            + "state) does not fit this run; retrain in another --out folder")
      }
      return EpochInProgress(orders: (0..<streams).map { orders[$0] }, batchesDone: done, generatorState: generator)
    }
    let epochs = try Checkpoint.load(from: url, into: model, optimizers: optimizers.map { ($0.name, $0.optimizer) }).step
    let position = inProgress.map { " and batch \($0.batchesDone) of epoch \(epochs + 1)" } ?? ""
    FileHandle.standardError.write("[\(label)] resuming after epoch \(epochs)\(position) (\(url.path))\n".data(using: .utf8)!)
    return (epochs, info.trainSeconds, inProgress)
  }

  func allFinite(_ model: Module) -> Bool {
    withNoGrad { model.parameters().allSatisfy { $0.isFinite().all().item() != 0 } }
  }
}
