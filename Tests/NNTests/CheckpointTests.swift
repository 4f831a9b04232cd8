import Foundation
import NN
import Testing
import Torch

/// One step of full-batch regression; deterministic given the parameters and optimiser state.
private func trainStep(_ model: MLP, _ optimizer: Optimizer, _ x: Tensor, _ y: Tensor) {
  optimizer.zeroGrad()
  let loss = (model(x) - y).square().mean()
  loss.backward()
  optimizer.step()
}

private func parameterValues(_ model: Module) -> [String: [Float]] {
  Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.toArray(Float.self)) })
}

@Suite struct CheckpointTests {
  let x = Tensor.linspace(-2, 2, steps: 32).reshape(-1, 1)
  var y: Tensor { (x * 1.5).sin() }

  @Test func resumeIsExact() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("run.ckpt.safetensors")
    let (n, m) = (7, 5)

    Torch.manualSeed(11)
    let model = MLP([1, 16, 16, 1], activation: .tanh)
    let optimizer = Adam(model.parameters(), learningRate: 1e-2)
    for _ in 0..<n { trainStep(model, optimizer, x, y) }
    let config = #"{"hidden": [16, 16], "lr": 0.01}"#
    try Checkpoint.save(model: model, optimizer: optimizer, step: n, seed: 11, config: config, to: url)
    for _ in 0..<m { trainStep(model, optimizer, x, y) }
    let continued = parameterValues(model)

    Torch.manualSeed(99)  // a different initialisation, overwritten by the checkpoint
    let fresh = MLP([1, 16, 16, 1], activation: .tanh)
    let freshParameters = fresh.parameters()
    let freshOptimizer = Adam(freshParameters, learningRate: 1e-2)
    #expect(parameterValues(fresh) != continued)
    let info = try Checkpoint.load(from: url, into: fresh, optimizer: freshOptimizer)
    #expect(info.step == n && info.seed == 11 && info.config == config)
    #expect(info.modelType == "MLP" && info.formatVersion == Checkpoint.formatVersion)
    #expect(info.metadata["optimizer_type"] == "Adam")
    #expect(freshOptimizer.stepCount == n)
    // Loading copies in place: the optimiser's references are still the model's tensors.
    #expect(zip(fresh.parameters(), freshParameters).allSatisfy { $0 === $1 })

    for _ in 0..<m { trainStep(fresh, freshOptimizer, x, y) }
    #expect(parameterValues(fresh) == continued)
    #expect(try Checkpoint.info(at: url) == info)
  }

  /// Two optimisers over two parts of a model (SDE-Net's drift and diffusion) are saved under
  /// their names and restored separately; a checkpoint that lacks one is refused, leaving the
  /// other as it was.
  @Test func namedOptimizersRoundTripAndAMissingOneIsRefused() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("two.safetensors")
    Torch.manualSeed(5)
    let model = MLP([1, 8, 1], activation: .tanh)
    let parameters = model.parameters()
    let first = SGD(Array(parameters.prefix(2)), learningRate: 0.1, momentum: 0.9)
    let second = Adam(Array(parameters.dropFirst(2)), learningRate: 1e-2)
    for _ in 0..<3 {
      first.zeroGrad()
      second.zeroGrad()
      (model(x) - y).square().mean().backward()
      first.step()
      second.step()
    }
    try Checkpoint.save(model: model, optimizers: [("first", first), ("second", second)], step: 3, to: url)
    let names = try SafeTensors.read(from: url).tensors.map(\.name)
    #expect(names.contains { $0.hasPrefix("optimizer.first.") } && names.contains { $0.hasPrefix("optimizer.second.") })

    let fresh = MLP([1, 8, 1], activation: .tanh)
    let freshParameters = fresh.parameters()
    let freshFirst = SGD(Array(freshParameters.prefix(2)), learningRate: 0.1, momentum: 0.9)
    let freshSecond = Adam(Array(freshParameters.dropFirst(2)), learningRate: 1e-2)
    try Checkpoint.load(from: url, into: fresh, optimizers: [("first", freshFirst), ("second", freshSecond)])
    #expect(freshFirst.stepCount == 3 && freshSecond.stepCount == 3)
    for (a, b) in zip(first.stateTensors, freshFirst.stateTensors) {
      #expect(a.name == b.name && (a.tensor - b.tensor).abs().max().item() == 0)
    }

    let other = SGD(Array(freshParameters.prefix(2)), learningRate: 0.1, momentum: 0.9)
    let third = SGD(Array(freshParameters.dropFirst(2)), learningRate: 0.1)
    let error = try #require(throws: CheckpointError.self) {
      try Checkpoint.load(from: url, into: fresh, optimizers: [("first", other), ("third", third)])
    }
    #expect("\(error)".contains("optimiser 'third'"))
    #expect(other.stepCount == 0)
  }

  @Test func resumeWithoutOptimiserStateDiffers() throws {
    // Guards the exactness test: dropping the Adam moments must change the trajectory.
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("weights.safetensors")
    Torch.manualSeed(3)
    let model = MLP([1, 8, 1])
    let optimizer = Adam(model.parameters(), learningRate: 1e-2)
    for _ in 0..<4 { trainStep(model, optimizer, x, y) }
    try Checkpoint.save(model: model, step: 4, to: url)
    for _ in 0..<3 { trainStep(model, optimizer, x, y) }

    let fresh = MLP([1, 8, 1])
    let freshOptimizer = Adam(fresh.parameters(), learningRate: 1e-2)
    let info = try Checkpoint.load(from: url, into: fresh)
    #expect(info.step == 4 && info.seed == nil && info.config == nil)
    for _ in 0..<3 { trainStep(fresh, freshOptimizer, x, y) }
    #expect(parameterValues(fresh) != parameterValues(model))

    // Asking for optimiser state the file does not hold is an error, not a silent reset.
    let error = try #require(throws: CheckpointError.self) {
      try Checkpoint.load(from: url, into: fresh, optimizer: freshOptimizer)
    }
    #expect(error.description.contains("weights.safetensors") && error.description.contains("no optimiser state"))
  }

  @Test func sgdMomentumResumesExactly() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("sgd.safetensors")
    Torch.manualSeed(5)
    let model = MLP([1, 8, 1])
    let optimizer = SGD(groups: [ParameterGroup(model.parameters(), learningRate: 0.05)], momentum: 0.9)
    for _ in 0..<3 { trainStep(model, optimizer, x, y) }
    try Checkpoint.save(model: model, optimizer: optimizer, step: 3, to: url)
    for _ in 0..<4 { trainStep(model, optimizer, x, y) }

    let fresh = MLP([1, 8, 1])
    let freshOptimizer = SGD(groups: [ParameterGroup(fresh.parameters(), learningRate: 0.05)], momentum: 0.9)
    try Checkpoint.load(from: url, into: fresh, optimizer: freshOptimizer)
    for _ in 0..<4 { trainStep(fresh, freshOptimizer, x, y) }
    #expect(parameterValues(fresh) == parameterValues(model))

    // State saved by SGD does not silently load into Adam.
    let adam = Adam(fresh.parameters())
    let error = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: url, into: fresh, optimizer: adam) }
    #expect(error.description.contains("SGD"))
  }

  @Test func pythonCanReadCheckpointNames() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("names.safetensors")
    let model = MLP([2, 3, 1])
    let optimizer = Adam(model.parameters())
    trainStep(model, optimizer, Tensor.ones([4, 2]), Tensor.zeros([4, 1]))
    try Checkpoint.save(model: model, optimizer: optimizer, step: 1, to: url)
    let file = try SafeTensors.read(from: url)
    let names = file.tensors.map(\.name)
    #expect(Array(names.prefix(4)) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"])
    #expect(names.contains("optimizer.step") && names.contains("optimizer.0.0.exp_avg"))
    #expect(file.metadata["format"] == "penumbra.checkpoint" && file.metadata["step"] == "1")
  }

  @Test func missingTensorThrowsNamingFileAndTensor() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("partial.safetensors")
    let model = MLP([2, 4, 1])
    let state = model.stateDict().filter { $0.name != "layers.1.bias" }
    try SafeTensors.write(state, metadata: ["step": "3"], to: url)

    let target = MLP([2, 4, 1])
    let before = parameterValues(target)
    let error = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: url, into: target) }
    #expect(error.description.contains("partial.safetensors") && error.description.contains("missing 'layers.1.bias'"))
    #expect(parameterValues(target) == before)  // nothing changed
    // Non-strict loading takes what is there.
    #expect(try Checkpoint.load(from: url, into: target, strict: false).step == 3)
    #expect(target.namedParameters()[0].tensor.toArray(Float.self) == model.namedParameters()[0].tensor.toArray(Float.self))
  }

  @Test func shapeMismatchThrowsAndLeavesOptimiserUnchanged() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("wide.safetensors")
    let wide = MLP([2, 8, 1])
    let wideOptimizer = Adam(wide.parameters())
    trainStep(wide, wideOptimizer, Tensor.ones([4, 2]), Tensor.zeros([4, 1]))
    try Checkpoint.save(model: wide, step: 1, to: url)

    let narrow = MLP([2, 4, 1])
    let error = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: url, into: narrow) }
    #expect(error.description.contains("wide.safetensors") && error.description.contains("'layers.0.weight' has shape [8, 2]"))
  }

  @Test func failedModelLoadRestoresOptimiser() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("gap.safetensors")
    let source = MLP([2, 4, 1])
    let sourceOptimizer = Adam(source.parameters())
    for _ in 0..<3 { trainStep(source, sourceOptimizer, Tensor.ones([4, 2]), Tensor.zeros([4, 1])) }
    try Checkpoint.save(model: source, optimizer: sourceOptimizer, step: 3, to: url)
    // Drop one model tensor but keep the (valid) optimiser state.
    let saved = try SafeTensors.read(from: url)
    try SafeTensors.write(saved.tensors.filter { $0.name != "layers.0.bias" }, metadata: saved.metadata, to: url)

    let target = MLP([2, 4, 1])
    let targetOptimizer = Adam(target.parameters())
    trainStep(target, targetOptimizer, Tensor.ones([4, 2]), Tensor.ones([4, 1]))
    let before = targetOptimizer.stateTensors.map { ($0.name, $0.tensor.toArray(Double.self)) }
    let error = try #require(throws: CheckpointError.self) {
      try Checkpoint.load(from: url, into: target, optimizer: targetOptimizer)
    }
    #expect(error.description.contains("missing 'layers.0.bias'"))
    let after = targetOptimizer.stateTensors.map { ($0.name, $0.tensor.toArray(Double.self)) }
    #expect(targetOptimizer.stepCount == 1)
    #expect(after.map(\.0) == before.map(\.0) && after.map(\.1) == before.map(\.1))
  }

  @Test func corruptCheckpointThrowsFileError() throws {
    let directory = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("cut.safetensors")
    let model = MLP([2, 4, 1])
    try Checkpoint.save(model: model, step: 2, to: url)
    let bytes = try Data(contentsOf: url)
    try bytes.dropLast(3).write(to: url)
    let error = try #require(throws: SafeTensorsError.self) { try Checkpoint.load(from: url, into: model) }
    #expect(error.reason == .truncatedData && error.description.contains("cut.safetensors"))

    try SafeTensors.write(model.stateDict(), metadata: ["format_version": "99"], to: url)
    let newer = try #require(throws: CheckpointError.self) { try Checkpoint.load(from: url, into: model) }
    #expect(newer.description.contains("format version 99"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["cut.safetensors"])
  }
}
