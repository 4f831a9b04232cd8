import NN
import Testing
import Torch

/// The shim updates dense contiguous parameters with a one-pass Adam loop and everything else
/// op by op (the torch.optim.Adam rule); both must give the same numbers.
@Test func fusedAdamMatchesOpByOpUpdate() {
  // (weight decay, decoupled, amsgrad)
  let settings: [(Double, Bool, Bool)] = [(0, false, false), (0.1, false, false), (0.1, true, false), (0.05, false, true)]
  for (weightDecay, decoupled, amsgrad) in settings {
    Torch.manualSeed(7)
    let base = Tensor.randn([5, 7])
    // Same values; `strided` is a transposed view of a contiguous copy, so it is not contiguous
    // and takes the op-by-op path.
    let dense = base.clone().requiringGrad()
    let strided = base.mT.contiguous().mT.detach().requiringGrad()
    let groups = { (p: Tensor) in [ParameterGroup([p], learningRate: 0.01, weightDecay: weightDecay)] }
    let fused: Optimizer = decoupled ? AdamW(groups: groups(dense), amsgrad: amsgrad) : Adam(groups: groups(dense), amsgrad: amsgrad)
    let reference: Optimizer =
      decoupled ? AdamW(groups: groups(strided), amsgrad: amsgrad) : Adam(groups: groups(strided), amsgrad: amsgrad)
    for step in 0..<6 {
      // Shrinking gradients, so AMSGrad's running maximum differs from the current average.
      let g = Tensor.randn([5, 7]) / Double(step + 1)
      dense.grad = g.clone()
      strided.grad = g.clone()
      fused.step()
      reference.step()
    }
    let difference = (dense - strided).abs().max().item()
    #expect(difference < 1e-6, "weightDecay \(weightDecay) decoupled \(decoupled) amsgrad \(amsgrad)")
    #expect((dense - base).abs().max().item() > 1e-3, "the parameters did not move")
    for ((name, a), (_, b)) in zip(fused.stateTensors, reference.stateTensors) where name != "step" {
      #expect((a - b).abs().max().item() < 1e-6, "state \(name)")
    }
  }
}

/// The fused update writes through data pointers; it must still bump version counters so
/// autograd rejects a backward through a graph that saved the old parameter values.
@Test func fusedAdamBumpsVersionCounter() {
  let p = Tensor.randn([4, 4]).requiringGrad()
  let optimizer = Adam([p], learningRate: 0.1)
  p.grad = Tensor.ones([4, 4])
  let saved = (p * p).sum()
  optimizer.step()
  #expect(throws: TorchError.self) { try withTorchErrors { saved.backward() } }
}
