import Foundation
import NN
import Torch

// Fit y = sin(3x) + noise with a small MLP, PyTorch style.
Torch.manualSeed(0)
let x = Tensor.linspace(-1, 1, steps: 256).reshape(-1, 1)
let y = (3 * x).sin() + 0.05 * Tensor.randn([256, 1])

let model = MLP([1, 64, 64, 1], activation: .tanh)
let optimizer = Adam(model.parameters(), learningRate: 1e-2)

for step in 1...500 {
  optimizer.zeroGrad()
  let loss = mseLoss(model(x), y)
  loss.backward()
  optimizer.step()
  if step % 100 == 0 { print("step \(step)  loss", String(format: "%.4f", loss.item())) }
}

let test = Tensor([0.5], shape: [1, 1])
print("f(0.5) =", String(format: "%.3f", withNoGrad { model(test) }.item()), " true:", String(format: "%.3f", sin(1.5)))
