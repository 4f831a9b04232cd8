import Datasets
import Foundation
import NN
import NeuralProcesses
import Testing
import Torch

/// The Neural Process Family's 1-D architectures (`--architecture npf`).
struct NPFArchitectureTests {
  /// The 1-D parameter counts printed by NPF's notebooks (jupyter/reproducibility/{CNP, LNP,
  /// AttnCNP, AttnLNP}.ipynb, "Number Parameters (1D)") for R_DIM = 128.
  static let publishedCounts: [(NeuralProcessKind, Int)] = [
    (.cnp, 252_098), (.np, 301_634), (.attncnp, 252_738), (.anp, 335_170),
  ]

  @Test(arguments: publishedCounts)
  func parameterCountMatchesNPF(_ kind: NeuralProcessKind, _ published: Int) {
    let model = NeuralProcess(.init(kind: kind, architecture: .npf))
    #expect(model.parameterCount == published, "\(kind): \(model.parameterCount) parameters, NPF prints \(published)")
  }

  /// The ANP-paper architecture is unchanged by the choice (its parameter names included).
  @Test func anpPaperArchitectureIsTheDefault() {
    let model = NeuralProcess(.init(kind: .anp))
    #expect(model.configuration.design == .anpPaper && model.configuration.architecture == nil)
    let names = model.namedParameters().map(\.name)
    #expect(names.contains("deterministic_encoder.layers.0.weight") && names.contains("cross_attention.multihead.in_proj_weight"))
    #expect(!names.contains { $0.hasPrefix("x_encoder") })
  }

  @Test(arguments: NeuralProcessKind.allCases)
  func forwardShapesAndStdFloor(_ kind: NeuralProcessKind) {
    Torch.manualSeed(5)
    let model = NeuralProcess(.init(kind: kind, architecture: .npf))
    #expect(model.configuration.predictiveStdFloor == 0.01)
    #expect(model.configuration.attention == (kind.usesCrossAttention ? .transformer : .uniform))
    let (context, target) = sineTasks(batch: 3, contextRange: 0...9, targets: 20)
    let prediction = withNoGrad { model.predict(context: context, targetX: target.x) }
    #expect(prediction.mean.shape == [3, 20, 1] && prediction.std.shape == [3, 20, 1])
    #expect(prediction.std.min().item() >= 0.01 - 1e-7)
    let (loss, _, kl) = model.loss(context: context, target: target)
    #expect(loss.item().isFinite)
    #expect((kl != nil) == kind.hasLatentPath)
    if kind.hasLatentPath {
      let q = model.latentDistribution(context)!
      #expect(q.mean.shape == [3, 128] && q.std.min().item() >= 0.1 - 1e-7 && q.std.max().item() <= 1)
    }
  }

  /// The NPF NP's decoder reads z alone: with z fixed, the context does not change the prediction.
  /// NPF's MLPs start as its `linear_init` leaves them: hidden layers Kaiming-uniform for ReLU
  /// (bound √(6/fan_in), well beyond PyTorch's 1/√fan_in), output layers Xavier-uniform, zero
  /// biases; its attender's projections are normal; the ANP's r–z merger keeps PyTorch's default.
  @Test func npfInitialisation() throws {
    Torch.manualSeed(7)
    let parameters = Dictionary(uniqueKeysWithValues: NeuralProcess(.init(kind: .anp, architecture: .npf)).namedParameters())
    func maxAbs(_ name: String) throws -> Double { try #require(parameters[name], "no parameter \(name)").abs().max().item() }
    let hidden = try maxAbs("decoder.layers.0.weight")
    #expect(hidden > 1.5 / 128.0.squareRoot() && hidden <= (6 / 128.0).squareRoot())
    #expect(try maxAbs("decoder.layers.0.bias") == 0)
    #expect(try maxAbs("decoder.layers.4.weight") <= (6 / 130.0).squareRoot())
    #expect(try maxAbs("decoder.layers.4.bias") == 0)
    #expect(try maxAbs("latent_merger.bias") > 0)
    // The attender's projections: N(0, 2 / (128 + 16)), std 0.118 (PyTorch's default: 0.051).
    let key = try #require(parameters["cross_attention.transformer.key_projection.weight"])
    #expect(abs(key.std().item() - (2 / 144.0).squareRoot()) < 0.01)
  }

  @Test func npfNPDecoderReadsOnlyZ() {
    Torch.manualSeed(6)
    let model = NeuralProcess(.init(kind: .np, architecture: .npf))
    let (context, target) = sineTasks(batch: 2, contextRange: 4...8, targets: 10)
    let other = sineTasks(batch: 2, contextRange: 4...8, targets: 10).context
    let z = Tensor.randn([2, 128])
    let a = withNoGrad { model.predict(context: context, targetX: target.x, z: z) }
    let b = withNoGrad { model.predict(context: other, targetX: target.x, z: z) }
    #expect((a.mean - b.mean).abs().max().item() < 1e-6)
  }

  /// A padded batch scores each task as that task alone (the masks reach NPF's layers too).
  @Test(arguments: [NeuralProcessKind.cnp, .anp])
  func paddingDoesNotChangeTheLikelihood(_ kind: NeuralProcessKind) {
    Torch.manualSeed(7)
    let model = NeuralProcess(.init(kind: kind, architecture: .npf, hiddenSize: 32, latentSize: 32))
    let (context, target) = sineTasks(batch: 3, contextRange: 2...9, targets: 12)
    let z = model.latentDistribution(context)?.mean
    let batched = withNoGrad { model.predict(context: context, targetX: target.x, z: z) }
    for task in 0..<3 {
      let (x, y) = context.task(task)
      let alone = PointSet(x: x.unsqueeze(0), y: y.unsqueeze(0))
      let zAlone = model.latentDistribution(alone)?.mean
      if let z, let zAlone { #expect((z[task...task] - zAlone).abs().max().item() < 1e-5) }
      let single = withNoGrad { model.predict(context: alone, targetX: target.x[task...task], z: zAlone) }
      #expect((batched.mean[task...task] - single.mean).abs().max().item() < 1e-4, "task \(task)")
    }
  }

  /// A checkpoint of an NPF-architecture model reloads into the model its saved configuration
  /// builds, with the same predictions.
  @Test func checkpointRoundTrip() throws {
    Torch.manualSeed(8)
    let configuration = NeuralProcessConfiguration(kind: .anp, architecture: .npf, hiddenSize: 32, latentSize: 32)
    let model = NeuralProcess(configuration)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-npf-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    let json = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
    #expect(json.contains("\"architecture\":\"npf\""))
    try Checkpoint.save(model: model, step: 1, config: json, to: url)
    let info = try Checkpoint.info(at: url)
    let decoded = try JSONDecoder().decode(NeuralProcessConfiguration.self, from: Data(try #require(info.config).utf8))
    #expect(decoded == configuration && decoded.design == .npf)
    let reloaded = NeuralProcess(decoded)
    try Checkpoint.load(from: url, into: reloaded)
    let (context, target) = sineTasks(batch: 2, contextRange: 3...6, targets: 8)
    let z = Tensor.randn([2, 32])
    let a = withNoGrad { model.predict(context: context, targetX: target.x, z: z) }
    let b = withNoGrad { reloaded.predict(context: context, targetX: target.x, z: z) }
    #expect((a.mean - b.mean).abs().max().item() == 0 && (a.std - b.std).abs().max().item() == 0)
  }

  /// A configuration saved before the architecture choice existed decodes as the ANP paper's.
  @Test func oldConfigurationDecodesAsANPPaper() throws {
    let old = """
      {"kind":"anp","attention":"multihead","xDimension":1,"yDimension":1,"hiddenSize":128,"latentSize":128,\
      "encoderLayers":4,"decoderLayers":2,"selfAttentionLayers":0,"heads":8}
      """
    let configuration = try JSONDecoder().decode(NeuralProcessConfiguration.self, from: Data(old.utf8))
    #expect(configuration.architecture == nil && configuration.design == .anpPaper)
    #expect(configuration.predictiveStdFloor == 0.1)
    #expect(configuration == NeuralProcessConfiguration(kind: .anp))
    #expect(NeuralProcess(configuration).parameterCount == NeuralProcess(.init(kind: .anp, architecture: .anpPaper)).parameterCount)
  }

  /// A short fixed-seed training of NPF's CNP on GP curves (DeepMind's protocol, which a short
  /// run learns faster than NPF's shorter length scale) beats its untrained score, and beats
  /// −1.36 per point, which the best context-blind predictor, N(0, 1) on these unit-variance
  /// draws, cannot (−1.42).
  @Test func npfCNPLearnsGPCurves() {
    Torch.manualSeed(11)
    let sampler = GPCurveSampler(protocol: .deepmind, kernel: .eq)
    let evaluation = [sampler.sample(batchSize: 32, training: false)]
    let model = NeuralProcess(.init(kind: .cnp, architecture: .npf, hiddenSize: 64, latentSize: 64))
    let before = model.evaluate(batches: evaluation, withOracle: false).targetLL
    model.train()
    let optimizer = Adam(model.parameters(), learningRate: 1e-3)
    for _ in 0..<500 {
      let batch = sampler.sample(batchSize: 16).float32()
      optimizer.zeroGrad()
      model.loss(context: batch.context, target: batch.target).loss.backward()
      optimizer.step()
    }
    let after = model.evaluate(batches: evaluation, withOracle: false).targetLL
    #expect(after > before + 0.2 && after > -1.36, "target log-likelihood per point \(before) → \(after)")
  }
}

/// NPF's 1-D AttnCNP against an independent PyTorch implementation of it
/// (Benchmarks/reference/npf_attncnp_reference.py), which runs NPF's way: one task at a time,
/// a task without context getting a zero representation. Same parameters, same tasks, float64:
/// Penumbra's padded batch gives the same loss and the same gradient for every parameter, with
/// the contexts' per-point work recomputed or gathered from the targets.
struct NPFReferenceTests {
  struct Encoded: Decodable {
    let shape: [Int]
    let values: [Double]
    var tensor: Tensor { Tensor(values, shape: shape, dtype: .float64) }
  }

  struct Task: Decodable {
    let x: Encoded
    let y: Encoded
    let contextIndices: [Int]
  }

  struct Fixture: Decodable {
    let hiddenSize: Int
    let heads: Int
    let state: [String: Encoded]
    let tasks: [Task]
    let loss: Double
    let grads: [String: Encoded]
  }

  static let fixture: Fixture = {
    let url = Bundle.module.url(forResource: "npf_attncnp_reference", withExtension: "json", subdirectory: "Fixtures")!
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try! decoder.decode(Fixture.self, from: Data(contentsOf: url))
  }()

  @Test(arguments: [false, true])
  func attnCNPMatchesPyTorch(gatheringContexts: Bool) throws {
    let reference = Self.fixture
    let model = NeuralProcess(.init(kind: .attncnp, architecture: .npf, hiddenSize: reference.hiddenSize, heads: reference.heads))
    model.to(.float64)
    #expect(Set(model.stateDict().map(\.name)) == Set(reference.state.keys), "parameter names")
    try model.loadStateDict(reference.state.mapValues(\.tensor))
    let tasks = reference.tasks.map { task in
      let (x, y) = (task.x.values, task.y.values)
      return RegressionTask(
        xContext: task.contextIndices.map { [x[$0]] }, yContext: task.contextIndices.map { y[$0] },
        xTarget: x.map { [$0] }, yTarget: y)
    }
    let (context, target) = TaskFile.batch(tasks)
    let width = context.x.size(1)
    let indices = Tensor(
      reference.tasks.flatMap { $0.contextIndices + Array(repeating: 0, count: width - $0.contextIndices.count) },
      shape: [tasks.count, width])
    let loss = model.loss(context: context, target: target, contextIndices: gatheringContexts ? indices : nil).loss
    #expect(abs(loss.item() - reference.loss) <= 1e-9 * max(1, abs(reference.loss)), "loss \(loss.item()) vs \(reference.loss)")
    loss.backward()
    let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) })
    for (name, expected) in reference.grads {
      let grad = try #require(parameters[name]?.grad, "no gradient for \(name)")
      let error = (grad - expected.tensor).abs().max().item()
      #expect(error <= 1e-9 * max(1, expected.tensor.abs().max().item()), "gradient of \(name): max abs error \(error)")
    }
  }
}
