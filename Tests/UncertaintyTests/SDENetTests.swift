import Foundation
import NN
import Testing
import Torch
import Training
import Uncertainty

/// Serialized: the tests seed libtorch's global generator.
@Suite(.serialized) struct SDENetTests {
  /// A narrow SDE-Net (8 channels, 3 steps) so the tests stay fast.
  static func smallModel(sigma: Double = 20) -> SDENet {
    Torch.manualSeed(7)
    return SDENet(channels: 8, layerDepth: 3, sigma: sigma, evaluationPasses: 4)
  }

  @Test func zeroDiffusionSolveIsTheDeterministicEulerScheme() {
    let model = Self.smallModel()
    let initial = Tensor.randn([2, 8, 6, 6])
    let solved = model.solve(from: initial, diffusion: Tensor.zeros([2, 1, 1, 1]))
    // Δt = 6 / 3 = 2, times 0, 2, 4.
    var byHand = initial
    for t in [0.0, 2, 4] { byHand = byHand + model.drift(time: t, byHand) * 2 }
    #expect((solved - byHand).abs().max().item() < 1e-5)

    // With σ = 0 a whole pass is downsampling, those Euler steps and the head.
    model.sigma = 0
    let x = Tensor.rand([2, 1, 28, 28])
    var state = model.downsamplingLayers(x)
    for t in [0.0, 2, 4] { state = state + model.drift(time: t, state) * 2 }
    #expect((model.logits(x) - model.fcLayers(state)).abs().max().item() < 1e-5)
  }

  /// The official model's weights, inputs and outputs, written next to the script that makes
  /// them, Benchmarks/reference/sdenet_reference.py (dim 8, layer_depth 3, σ = 0); kept out of
  /// the test folder so the target needs no resource declaration.
  static func reference() throws -> SafeTensorsFile {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
    let url = root.appendingPathComponent("Benchmarks/reference/sdenet_reference.safetensors")
    return try SafeTensors.read(from: url)
  }

  static func expectClose(_ a: Tensor, _ b: Tensor, _ label: String) {
    let scale = b.abs().max().item()
    let error = (a - b).abs().max().item()
    #expect(error <= 1e-4 * scale + 1e-7, "\(label): error \(error) at scale \(scale)")
  }

  @Test func matchesTheOfficialModelAndDriftOptimizer() throws {
    let reference = try Self.reference()
    let prefix = "state."
    let state = Dictionary(
      uniqueKeysWithValues: reference.tensors.filter { $0.name.hasPrefix(prefix) }.map {
        (String($0.name.dropFirst(prefix.count)), $0.tensor)
      })
    let model = SDENet(channels: 8, layerDepth: 3, sigma: 0)
    try model.loadStateDict(state)
    let x = try #require(reference["input"])
    let labels = try #require(reference["labels"])
    Self.expectClose(withNoGrad { model.logits(x) }, try #require(reference["logits"]), "logits")
    // g starts within 10⁻⁴ of 1/2 (its last layer is N(0, 10⁻⁶)): compare its offset from 1/2.
    let diffusion = withNoGrad { model.diffusion(x) }
    Self.expectClose(diffusion - 0.5, try #require(reference["diffusion"]) - 0.5, "diffusion")
    // Two alternating steps: with σ = 0 the diffusion half cannot change the logits, so they
    // follow the official drift optimiser exactly.
    let optimizers = SDENetOptimizers(model: model).named()
    for _ in 0..<2 { _ = model.step(LabelledBatch(x: x, labels: labels), optimizers: optimizers) }
    let trained = withNoGrad { model.logits(x) }
    Self.expectClose(trained, try #require(reference["logits_after_two_steps"]), "after two steps")
  }

  @Test func shapesAndNames() {
    let model = Self.smallModel()
    let x = Tensor.rand([5, 1, 28, 28])
    #expect(model.downsamplingLayers(x).shape == [5, 8, 6, 6])
    #expect(model.logits(x).shape == [5, 10])
    #expect(model.diffusion(x).shape == [5, 1])
    let probabilities = model.probabilities(x)
    #expect(probabilities.shape == [5, 10])
    #expect((probabilities.sum(1) - 1).abs().max().item() < 1e-5)
    let prediction = model.predict(x)
    #expect(prediction.classes.shape == [5] && prediction.certainty.shape == [5])
    // PyTorch's state-dict names (ConcatConv2d's `_layer` is `layer` here).
    let names = Set(model.namedParameters().map(\.name))
    for name in [
      "downsampling_layers.0.weight", "downsampling_layers.1.weight", "downsampling_layers.6.bias",
      "drift.conv1.layer.weight", "drift.norm3.bias", "diffusion.conv2.layer.weight", "diffusion.fc.4.weight",
      "fc_layers.0.weight", "fc_layers.4.bias",
    ] {
      #expect(names.contains(name), "\(name)")
    }
  }

  @Test func diffusionStepsSeparateCleanFromNoisedInputs() {
    let model = Self.smallModel()
    // A fixed batch of blob "images" on a black background, like digits: thresholded blurred noise.
    let x = (avgPool2d(Tensor.rand([16, 1, 36, 36]), kernel: (9, 9), stride: (1, 1)) .> 0.55).to(.float32)
    let noised = x + Tensor.randn(x.shape) * SDENet.outOfDistributionNoise
    func meanDiffusion(_ input: Tensor) -> Double { withNoGrad { model.diffusion(input).mean().item() } }
    let (cleanBefore, noisedBefore) = (meanDiffusion(x), meanDiffusion(noised))
    // The official rate is 0.01 over hundreds of steps per epoch; the diffusion net starts slowly
    // (its last layer is N(0, 10⁻⁶)), so a few steps need a larger one. PyTorch's official
    // model moves the same way from the same start (0.50 → 0.45 clean, 0.58 noised).
    let optimizer = SDENetOptimizers(model: model, diffusionLearningRate: 0.5).diffusion
    for _ in 0..<30 { model.diffusionStep(x, optimizer: optimizer) }
    let (cleanAfter, noisedAfter) = (meanDiffusion(x), meanDiffusion(noised))
    #expect(cleanAfter < cleanBefore - 0.03, "clean \(cleanBefore) → \(cleanAfter)")
    #expect(noisedAfter > noisedBefore + 0.03, "noised \(noisedBefore) → \(noisedAfter)")
  }

  @Test func passesDifferOnlyWithDiffusion() {
    let model = Self.smallModel(sigma: 20)
    let x = Tensor.rand([3, 1, 28, 28])
    let difference = withNoGrad { (model.logits(x) - model.logits(x)).abs().max().item() }
    #expect(difference > 1e-4)
    model.sigma = 0
    #expect(withNoGrad { (model.logits(x) - model.logits(x)).abs().max().item() } == 0)
  }

  @Test func trainingStepUpdatesEachNetWithItsOwnOptimizer() {
    let model = Self.smallModel()
    let optimizers = SDENetOptimizers(model: model)
    let x = Tensor.rand([8, 1, 28, 28])
    let labels = Tensor.randint(0, 10, [8])
    let before = model.namedParameters().map { ($0.name, $0.tensor.clone()) }
    let losses = model.step(LabelledBatch(x: x, labels: labels), optimizers: optimizers.named())
    #expect(losses.terms.map(\.name) == ["classification", "in_distribution", "out_of_distribution"])
    #expect(losses.terms.allSatisfy { $0.value.isFinite })
    // At initialisation g ≈ 1/2, so each BCE is near log 2.
    #expect(abs(losses["in_distribution"]! - Foundation.log(2.0)) < 0.05)
    let changed = zip(before, model.namedParameters()).filter { old, new in
      (old.1 - new.tensor).abs().max().item() > 0
    }.map(\.0.0)
    #expect(changed.contains("fc_layers.4.weight") && changed.contains("drift.conv1.layer.weight"))
    #expect(changed.contains("diffusion.fc.4.weight"))
    #expect(optimizers.drift.parameters.count + optimizers.diffusion.parameters.count == model.parameters().count)
  }
}
