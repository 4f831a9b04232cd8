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
