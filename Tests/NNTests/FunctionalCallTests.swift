import Foundation
import NN
import Testing
import Torch

/// A forward pass on explicit parameter tensors, and a meta-gradient through a virtual SGD
/// step, against PyTorch (Benchmarks/reference/functional_reference.py): DS3L's update of its
/// weight network, in miniature.
struct FunctionalCallTests {
  @Test func metaGradientThroughAVirtualStepMatchesPyTorch() throws {
    let fixture = try ReferenceFixture.load("functional_reference")
    let model = MLP([3, 5, 2], activation: .tanh)
    let meta = Linear(2, 1)
    model.to(.float64)
    meta.to(.float64)
    let names = model.namedParameters().map(\.name)
    try model.loadStateDict(Dictionary(uniqueKeysWithValues: try names.map { ($0, try fixture.input($0)) }))
    try meta.loadStateDict(["weight": try fixture.input("meta.weight"), "bias": try fixture.input("meta.bias")])
    let xUnlabelled = try fixture.input("x_unlabelled")
    let yUnlabelled = try fixture.input("y_unlabelled", dtype: .int64)
    let xLabelled = try fixture.input("x_labelled")
    let yLabelled = try fixture.input("y_labelled", dtype: .int64)
    let learningRate = try fixture.input("learning_rate").item()

    let logits = model(xUnlabelled)
    let weights = meta(logits.softmax(dim: 1).detach()).sigmoid().squeeze(1)
    let inner = (weights * crossEntropy(logits: logits, targets: yUnlabelled, reduction: .none)).mean()
    let stepped = model.virtualSGDStep(inner, learningRate: learningRate)
    let outer = model.functionalCall(stepped) { crossEntropy(logits: model(xLabelled), targets: yLabelled) }
    let metaGradient = grad(of: [outer], wrt: [meta.weight, meta.bias!])

    fixture.check(weights, "weights")
    fixture.check(inner, "inner")
    for name in names { fixture.check(stepped[name]!, "stepped.\(name)") }
    fixture.check(outer, "outer")
    fixture.check(metaGradient[0], "meta_grad.weight")
    fixture.check(metaGradient[1], "meta_grad.bias")
    // The module's own parameters are back, unchanged, and still its trainable leaves.
    fixture.check(model.layers[0].weight, "after.layers.0.weight")
    #expect(model.parameters().allSatisfy { $0.requiresGrad && $0.grad == nil })
  }

  /// Without the virtual step's graph the meta-gradient would be zero: the weight network only
  /// reaches the labelled loss through the stepped parameters.
  @Test func metaGradientNeedsTheSecondOrderGraph() throws {
    Torch.manualSeed(3)
    let model = MLP([3, 4, 2], activation: .tanh)
    let meta = Linear(2, 1)
    let x = Tensor.randn([5, 3])
    let labels = Tensor.randint(0, 2, [5])
    let logits = model(x)
    let weights = meta(logits.softmax(dim: 1).detach()).sigmoid().squeeze(1)
    let inner = (weights * crossEntropy(logits: logits, targets: labels, reduction: .none)).mean()
    let stepped = model.virtualSGDStep(inner, learningRate: 0.5)
    let outer = model.functionalCall(stepped) { crossEntropy(logits: model(x), targets: labels) }
    let metaGradient = grad(of: [outer], wrt: [meta.weight])[0]
    #expect(metaGradient.abs().max().item() > 1e-6)
    // Running on the module's own weights gives its ordinary output.
    let plain = withNoGrad { model(x) }
    let same = withNoGrad { model.functionalCall([:]) { model(x) } }
    #expect((plain - same).abs().max().item() == 0)
  }
}
