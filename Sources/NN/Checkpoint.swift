import Foundation
import Torch

/// A checkpoint that could not be saved or loaded, naming the file and the problem.
public struct CheckpointError: Error, CustomStringConvertible {
  public let file: URL
  public let detail: String

  public init(file: URL, detail: String) {
    self.file = file
    self.detail = detail
  }

  public var description: String { "checkpoint \(file.path): \(detail)" }
}

/// What a checkpoint records besides the tensors.
public struct CheckpointInfo: Sendable, Equatable {
  /// Training steps taken when the checkpoint was saved.
  public var step: Int
  /// The random seed of the run, if it was recorded.
  public var seed: UInt64?
  /// The run's configuration (typically JSON), if it was recorded.
  public var config: String?
  /// The model's type name at save time.
  public var modelType: String?
  /// The checkpoint format version.
  public var formatVersion: Int
  /// Every metadata string, including the ones above and caller-supplied extras.
  public var metadata: [String: String]

  /// Metadata key of the training seconds summed over every run that continued the checkpoint.
  public static let trainSecondsKey = "train_seconds"

  /// Training seconds of every run that built the checkpoint (0 when not recorded).
  public var trainSeconds: Double { metadata[Self.trainSecondsKey].flatMap(Double.init) ?? 0 }
}

/// Training state saved as one safetensors file: a module's `stateDict()` under its own names,
/// the optimiser's `stateTensors` under `optimizer.`, a loop's mid-epoch state (if any) under
/// `run_state.`, and the step, seed, config, format version and model type as safetensors
/// metadata. Plain safetensors readers (PyTorch's `safetensors.torch.load_file`) can open it.
public enum Checkpoint {
  /// Version written by `save`; `load` refuses newer versions.
  public static let formatVersion = 1
  /// Prefix of the optimiser's state tensors.
  public static let optimizerPrefix = "optimizer."
  /// Prefix of the tensors a training loop saves to resume mid-way (batch orders, generator
  /// state); `load` leaves them out of the model state, `runState(at:)` reads them.
  public static let runStatePrefix = "run_state."

  enum Key {
    static let format = "format"
    static let formatVersion = "format_version"
    static let step = "step"
    static let seed = "seed"
    static let config = "config"
    static let modelType = "model_type"
    static let optimizerType = "optimizer_type"
  }
  static let formatName = "penumbra.checkpoint"

  /// Prefix of a named optimiser's state tensors (`optimizer.` for the unnamed one).
  static func prefix(_ name: String) -> String { name.isEmpty ? optimizerPrefix : "\(optimizerPrefix)\(name)." }
  /// Metadata key of a named optimiser's type.
  static func typeKey(_ name: String) -> String { name.isEmpty ? Key.optimizerType : "\(Key.optimizerType).\(name)" }

  /// Saves `model` (and `optimizer`, if given) with the training step and run details to `url`.
  ///
  /// The write is atomic: a crash leaves either the previous checkpoint or the new one.
  /// `extraMetadata` keys must not clash with the checkpoint's own keys; `runState` tensors are
  /// stored under `runStatePrefix`.
  public static func save(
    model: Module, optimizer: Optimizer? = nil, step: Int, seed: UInt64? = nil, config: String? = nil,
    modelType: String? = nil, extraMetadata: [String: String] = [:], runState: [(name: String, tensor: Tensor)] = [],
    to url: URL
  ) throws {
    try save(
      model: model, optimizers: optimizer.map { [("", $0)] } ?? [], step: step, seed: seed, config: config,
      modelType: modelType, extraMetadata: extraMetadata, runState: runState, to: url)
  }

  /// Saves `model` with several optimisers, each under `optimizer.<name>.` (an empty name:
  /// `optimizer.`, the single-optimiser layout), for methods that train parts of a model with
  /// optimisers of their own (SDE-Net's drift and diffusion).
  public static func save(
    model: Module, optimizers: [(name: String, optimizer: Optimizer)], step: Int, seed: UInt64? = nil,
    config: String? = nil, modelType: String? = nil, extraMetadata: [String: String] = [:],
    runState: [(name: String, tensor: Tensor)] = [], to url: URL
  ) throws {
    var metadata = extraMetadata
    var own: [String: String] = [
      Key.format: formatName,
      Key.formatVersion: String(formatVersion),
      Key.step: String(step),
      Key.modelType: modelType ?? String(describing: type(of: model)),
    ]
    if let seed { own[Key.seed] = String(seed) }
    if let config { own[Key.config] = config }
    for (name, optimizer) in optimizers { own[typeKey(name)] = String(describing: type(of: optimizer)) }
    for (key, value) in own {
      guard metadata.updateValue(value, forKey: key) == nil else {
        throw CheckpointError(file: url, detail: "extra metadata key '\(key)' is reserved")
      }
    }

    var tensors = model.stateDict()
    for (name, _) in tensors where name.hasPrefix(optimizerPrefix) || name.hasPrefix(runStatePrefix) {
      throw CheckpointError(file: url, detail: "model tensor '\(name)' clashes with a reserved prefix")
    }
    for (name, optimizer) in optimizers {
      tensors += optimizer.stateTensors.map { (prefix(name) + $0.name, $0.tensor) }
    }
    tensors += runState.map { (runStatePrefix + $0.name, $0.tensor) }
    try SafeTensors.write(tensors, metadata: metadata, to: url)
  }

  /// Loads the checkpoint at `url` into `model` (and `optimizer`) and returns its details.
  ///
  /// Values are copied into the model's existing tensors, so references to its parameters
  /// (an optimiser's, for instance) stay valid. Throws, naming the file and the tensor, when a
  /// tensor is missing, unexpected (with `strict`) or of another shape, or when an optimiser is
  /// given but the checkpoint has no (or another optimiser's) state; the model and optimiser
  /// are unchanged then.
  @discardableResult
  public static func load(
    from url: URL, into model: Module, optimizer: Optimizer? = nil, strict: Bool = true
  ) throws -> CheckpointInfo {
    try load(from: url, into: model, optimizers: optimizer.map { [("", $0)] } ?? [], strict: strict)
  }

  /// Loads a checkpoint written by `save(model:optimizers:...)` into `model` and each named
  /// optimiser; nothing changes when any part does not fit.
  @discardableResult
  public static func load(
    from url: URL, into model: Module, optimizers: [(name: String, optimizer: Optimizer)], strict: Bool = true
  ) throws -> CheckpointInfo {
    let file = try SafeTensors.read(from: url)
    let info = try checkpointInfo(file.metadata, url: url)

    var modelState: [String: Tensor] = [:]
    var optimizerStates = Array(repeating: [String: Tensor](), count: optimizers.count)
    for (name, tensor) in file.tensors where !name.hasPrefix(runStatePrefix) {
      guard name.hasPrefix(optimizerPrefix) else {
        modelState[name] = tensor
        continue
      }
      for (index, optimizer) in optimizers.enumerated() where name.hasPrefix(prefix(optimizer.name)) {
        optimizerStates[index][String(name.dropFirst(prefix(optimizer.name).count))] = tensor
      }
    }

    // The optimisers first: each load checks everything before changing anything, and their
    // previous states can be put back if a later part then refuses the checkpoint.
    var previousStates: [(Optimizer, [String: Tensor])] = []
    func restorePrevious() { for (optimizer, state) in previousStates { try? optimizer.loadStateTensors(state) } }
    for ((name, optimizer), state) in zip(optimizers, optimizerStates) {
      let label = name.isEmpty ? "optimiser" : "optimiser '\(name)'"
      guard !state.isEmpty else {
        restorePrevious()
        throw CheckpointError(file: url, detail: "no \(label) state (tensors named '\(prefix(name))*') to restore")
      }
      let expected = String(describing: type(of: optimizer))
      if let saved = info.metadata[typeKey(name)], saved != expected {
        restorePrevious()
        throw CheckpointError(file: url, detail: "\(label) state was saved by \(saved), not \(expected)")
      }
      let previous = Dictionary(optimizer.stateTensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
      do {
        try optimizer.loadStateTensors(state)
        previousStates.append((optimizer, previous))
      } catch {
        restorePrevious()
        throw CheckpointError(file: url, detail: "\(error)")
      }
    }
    do {
      try model.loadStateDict(modelState, strict: strict)
    } catch {
      restorePrevious()
      throw CheckpointError(file: url, detail: "\(error)")
    }
    return info
  }

  /// The tensors saved as `runState` in the checkpoint at `url`, by their names without the prefix.
  public static func runState(at url: URL) throws -> [String: Tensor] {
    let tensors = try SafeTensors.read(from: url).tensors.filter { $0.name.hasPrefix(runStatePrefix) }
    return Dictionary(uniqueKeysWithValues: tensors.map { (String($0.name.dropFirst(runStatePrefix.count)), $0.tensor) })
  }

  /// Reads only the details of the checkpoint at `url` (the file is still validated).
  public static func info(at url: URL) throws -> CheckpointInfo {
    try checkpointInfo(SafeTensors.readMetadata(from: url), url: url)
  }

  /// The checkpoint details in `metadata`. A plain safetensors file (no Penumbra metadata)
  /// reads as format version 1 at step 0, so weights exported elsewhere can be loaded.
  static func checkpointInfo(_ metadata: [String: String], url: URL) throws -> CheckpointInfo {
    func integer<T: FixedWidthInteger>(_ key: String, _: T.Type) throws -> T? {
      guard let text = metadata[key] else { return nil }
      guard let value = T(text) else {
        throw CheckpointError(file: url, detail: "metadata '\(key)' is '\(text)', not an integer")
      }
      return value
    }
    if let format = metadata[Key.format], format != formatName {
      throw CheckpointError(file: url, detail: "metadata format is '\(format)', not '\(formatName)'")
    }
    let version = try integer(Key.formatVersion, Int.self) ?? 1
    guard version <= formatVersion else {
      throw CheckpointError(
        file: url, detail: "format version \(version) is newer than this build reads (\(formatVersion))")
    }
    return CheckpointInfo(
      step: try integer(Key.step, Int.self) ?? 0,
      seed: try integer(Key.seed, UInt64.self),
      config: metadata[Key.config],
      modelType: metadata[Key.modelType],
      formatVersion: version,
      metadata: metadata)
  }
}
