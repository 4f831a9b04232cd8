import NN
import Testing
import Torch

/// Runs `body` in repeated rounds until one leaves `Tensor.liveCount` where it started.
///
/// The count is process-wide and Swift Testing runs other tests in parallel, so a single round
/// can see their tensors come and go. A real leak grows the count in every round (by at least
/// the number of iterations it leaks in), so it never yields a zero round; noise from other
/// tests eventually does. Returns the change of each round.
private func liveCountChanges(rounds: Int = 6, _ body: () -> Void) -> [Int] {
  var changes: [Int] = []
  for _ in 0..<rounds {
    let before = Tensor.liveCount
    body()
    let change = Tensor.liveCount - before
    changes.append(change)
    if change == 0 { break }
  }
  return changes
}

@Suite(.serialized) struct LeakTests {
  @Test func liveCountTracksHandles() {
    let changes = liveCountChanges {
      // Created and released inside the round: no net change.
      let a = Tensor.ones([3])
      let b = (a + 1).exp()
      _ = b.sum().item()
    }
    #expect(changes.last == 0, "changes per round: \(changes)")
    // Holding a tensor shows up in the count.
    let held = succeedsOnce {
      let before = Tensor.liveCount
      let kept = Tensor.zeros([1])
      let during = Tensor.liveCount
      return withExtendedLifetime(kept) { during - before == 1 }
    }
    #expect(held)
  }

  @Test func adamTrainingLeaksNoTensors() {
    Torch.manualSeed(0)
    let model = MLP([3, 16, 16, 1], activation: .tanh)
    let optimizer = Adam(model.parameters(), learningRate: 1e-2)
    let x = Tensor.linspace(-1, 1, steps: 96).reshape(32, 3)
    let y = x.sum(1, keepDim: true).sin()

    func step() -> Double {
      optimizer.zeroGrad()
      let loss = mseLoss(model(x), y)
      loss.backward()
      optimizer.step()
      return loss.item()
    }

    // The first step creates Adam's moment buffers and the parameters' .grad tensors.
    let initialLoss = step()
    var finalLoss = initialLoss
    let changes = liveCountChanges {
      for _ in 0..<1_000 { finalLoss = step() }
    }
    #expect(changes.last == 0, "live tensors changed by \(changes) over rounds of 1,000 Adam steps")
    // The steps did real work.
    #expect(finalLoss < initialLoss / 10, "loss \(initialLoss) -> \(finalLoss)")
  }

  @Test func doubleBackwardAndCaughtErrorsLeakNoTensors() {
    let model = MLP([2, 8, 1], activation: .tanh)
    let optimizer = SGD(model.parameters(), learningRate: 1e-3)
    let x = Tensor.linspace(-1, 1, steps: 16).reshape(8, 2)

    func step() {
      // A DUQ-style gradient penalty: backward through an input gradient.
      let input = x.detach().requiringGrad()
      let output = model(input)
      let inputGradient = grad(of: output.sum(), wrt: input, createGraph: true)
      let penalty = (inputGradient.norm(dims: [1]) - 1).square().mean()
      optimizer.zeroGrad()
      penalty.backward()
      optimizer.step()
      // A failure caught inside an error scope must not leak its placeholder either.
      _ = try? withTorchErrors { (output.reshape([3]) + 1).sum() }
    }

    step()
    let changes = liveCountChanges {
      for _ in 0..<300 { step() }
    }
    #expect(changes.last == 0, "live tensors changed by \(changes) over rounds of 300 penalty steps")
  }
}

/// Runs `attempt` up to `tries` times until it returns true (other tests share the global count).
private func succeedsOnce(tries: Int = 10, _ attempt: () -> Bool) -> Bool {
  (0..<tries).contains { _ in attempt() }
}
