import NN
import Testing
import Torch

@Test func mlpFitsSine() {
  Torch.manualSeed(0)
  let x = Tensor.linspace(-3, 3, steps: 128).reshape(-1, 1)
  let y = x.sin()
  let model = MLP([1, 64, 64, 1], activation: .tanh)
  let opt = Adam(model.parameters(), learningRate: 1e-2)
  var loss = 0.0
  for _ in 0..<300 {
    opt.zeroGrad()
    let l = (model(x) - y).square().mean()
    l.backward()
    opt.step()
    loss = l.item()
  }
  #expect(loss < 1e-2)
  #expect(model.namedParameters().map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"])
}

/// `MLP(concatenationOf:)` equals the MLP on the explicit, broadcast concatenation: the output
/// and every gradient, with a per-task part [B, 1, L] beside per-point parts [B, N, D].
@Test func mlpOnConcatenationMatchesExplicitConcatenation() {
  Torch.manualSeed(0)
  let model = MLP([4 + 3 + 1, 16, 2])
  model.to(.float64)
  let perPoint = Tensor.randn([2, 5, 4], dtype: .float64).requiringGrad()
  let perTask = Tensor.randn([2, 1, 3], dtype: .float64).requiringGrad()
  let x = Tensor.randn([2, 5, 1], dtype: .float64).requiringGrad()
  let inputs = [perPoint, perTask, x]
  let weights = Tensor.randn([2, 5, 2], dtype: .float64)

  func gradients(_ output: Tensor) -> [Tensor] {
    let tensors = inputs + model.parameters()
    return grad(of: [(output * weights).sum()], wrt: tensors)
  }
  let split = model(concatenationOf: inputs)
  let explicit = model(Tensor.cat([perPoint, perTask.expand(-1, 5, -1), x], dim: -1))
  #expect(split.shape == [2, 5, 2])
  #expect((split - explicit).abs().max().item() < 1e-12)
  for (a, b) in zip(gradients(split), gradients(explicit)) {
    #expect(a.shape == b.shape)
    #expect((a - b).abs().max().item() < 1e-12)
  }
}
