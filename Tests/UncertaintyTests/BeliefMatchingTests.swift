import Foundation
import NN
import Testing
import Torch
import Training
import Uncertainty

/// Serialized: the tests seed libtorch's global generator.
@Suite(.serialized) struct BeliefMatchingTests {
  /// Fixed float64 logits and labels shared with Benchmarks/reference/belief_matching_reference.py.
  static let logits: [Double] = [0.3, -1.2, 2.0, 1.5, 0.1, -0.4, -0.7, -0.2, 0.9, 2.2, 1.1, -1.0]
  static let labels: [Int64] = [2, 0, 1, 1]

  static func logitsTensor() -> Tensor { Tensor(logits, shape: [4, 3], dtype: .float64) }
  static func labelsTensor() -> Tensor { Tensor(labels, shape: [4]) }

  @Test func lossMatchesTheOfficialCodeUpToItsDroppedConstant() throws {
    let x = Self.logitsTensor().requiringGrad()
    let loss = beliefMatchingLoss(logits: x, targets: Self.labelsTensor(), klCoefficient: 0.5, priorConcentration: 1.5)
    loss.backward()
    // Printed by the reference script: loss.py's value plus 0.5 · (3 log Γ(1.5) − log Γ(4.5)).
    #expect(abs(loss.item() - 2.7973405399583173) < 1e-10)
    let expectedGradient = [
      -0.07742264047092777, -0.5598363892903774, 0.24609990848633262, 0.16097902065686356, -0.07184433176984947,
      -0.20761084324326184, -0.2597173096647463, -0.5244172731682557, 0.4014447377635924, 0.4358046504895932,
      -0.25944220169178384, -0.462542885932828,
    ]
    for (value, expected) in zip(try #require(x.grad).toArray(Double.self), expectedGradient) {
      #expect(abs(value - expected) < 1e-10)
    }
  }

  @Test func klTermIsTheDirichletKLByHandAndByMonteCarlo() {
    // α = (2, 1) against the uniform prior: Dir(2, 1) is Beta(2, 1) with density 2p, so
    // KL = E[log 2p] = log 2 + ψ(2) − ψ(3) = log 2 − 1/2.
    let logits = Tensor([Foundation.log(2.0), 0], shape: [1, 2], dtype: .float64)
    let label = Tensor([0] as [Int64], shape: [1])
    let withKL = beliefMatchingLoss(logits: logits, targets: label, klCoefficient: 1).item()
    let withoutKL = beliefMatchingLoss(logits: logits, targets: label, klCoefficient: 0).item()
    #expect(abs((withKL - withoutKL) - (Foundation.log(2.0) - 0.5)) < 1e-12)

    // Three classes, prior β = 2: the loss's KL term, NN's closed form and a Monte-Carlo mean
    // of log q(p) − log r(p) over draws p ∼ q agree.
    Torch.manualSeed(11)
    let alpha = Tensor([0.8, 2.5, 4.0], shape: [1, 3], dtype: .float64)
    let q = Dirichlet(concentration: alpha)
    let r = Dirichlet(concentration: Tensor.full(like: alpha, 2))
    let three = Tensor([1] as [Int64], shape: [1])
    let klFromLoss =
      beliefMatchingLoss(logits: alpha.log(), targets: three, klCoefficient: 1, priorConcentration: 2).item()
      - beliefMatchingLoss(logits: alpha.log(), targets: three, klCoefficient: 0, priorConcentration: 2).item()
    let closedForm = klDivergence(q, r).item()
    #expect(abs(klFromLoss - closedForm) < 1e-12)
    let draws = Dirichlet(concentration: alpha.expand([200_000, 3])).sample()
    let monteCarlo = (q.logProb(draws) - r.logProb(draws)).mean().item()
    // The log-ratio's standard deviation is about 1, so the mean of 2·10⁵ draws is within 0.01.
    #expect(abs(monteCarlo - closedForm) < 0.01, "\(monteCarlo) vs \(closedForm)")
  }

  @Test func lossGradientMatchesFiniteDifferences() throws {
    let values = Self.logits
    let x = Self.logitsTensor().requiringGrad()
    func loss(_ t: Tensor) -> Tensor {
      beliefMatchingLoss(logits: t, targets: Self.labelsTensor(), klCoefficient: 0.3, priorConcentration: 0.7)
    }
    loss(x).backward()
    let analytic = try #require(x.grad).toArray(Double.self)
    let h = 1e-6
    for i in values.indices {
      func shifted(_ offset: Double) -> Double {
        var moved = values
        moved[i] += offset
        return loss(Tensor(moved, shape: [4, 3], dtype: .float64)).item()
      }
      let numeric = (shifted(h) - shifted(-h)) / (2 * h)
      #expect(abs(numeric - analytic[i]) < 1e-7, "[\(i)]: \(analytic[i]) vs \(numeric)")
    }
  }

  @Test func expectedLogLikelihoodMatchesMonteCarlo() {
    Torch.manualSeed(5)
    let alpha = Tensor([0.7, 2.0, 3.5, 5.0, 1.0, 0.3], shape: [2, 3], dtype: .float64)
    let targets = Tensor([2, 1] as [Int64], shape: [2])
    let closedForm = dirichletExpectedLogLikelihood(concentration: alpha, targets: targets).toArray(Double.self)
    let n = 200_000
    let draws = Dirichlet(concentration: alpha.unsqueeze(0).expand([n, 2, 3])).sample()
    let index = targets.reshape([1, 2, 1]).expand([n, 2, 1])
    let monteCarlo = draws.gather(dim: 2, index: index).squeeze(2).log().mean(0).toArray(Double.self)
    // log p_y has a standard deviation near 1.3 here: the standard error of 2·10⁵ draws is 0.003.
    for (mc, exact) in zip(monteCarlo, closedForm) {
      #expect(abs(mc - exact) < 0.015, "\(mc) vs \(exact)")
    }
  }

  @Test func mutualInformationMatchesMonteCarlo() {
    Torch.manualSeed(6)
    let alpha = Tensor([0.5, 1.5, 3.0], shape: [1, 3], dtype: .float64)
    let closedForm = dirichletMutualInformation(concentration: alpha).item()
    let draws = Dirichlet(concentration: alpha.expand([200_000, 3])).sample()
    let expectedEntropy = entropy(draws).mean().item()
    let monteCarlo = entropy(draws.mean(0, keepDim: true)).item() - expectedEntropy
    #expect(closedForm > 0.05)
    #expect(abs(monteCarlo - closedForm) < 0.01, "\(monteCarlo) vs \(closedForm)")
  }

  /// Three Gaussian blobs in the plane, 100 points each.
  static func blobs() -> (points: Tensor, labels: Tensor) {
    let centres = Tensor([0, 2, 1.8, -1, -1.8, -1] as [Float], shape: [3, 2])
    let labels = Tensor.arange(3).repeated(100)
    let points = centres.indexSelect(dim: 0, index: labels) + Tensor.randn([300, 2]) * 0.6
    return (points, labels)
  }

  @Test func trainingOnBlobsBeatsChanceAndUntrainedDoesNot() {
    Torch.manualSeed(21)
    let (points, labels) = Self.blobs()
    let model = BeliefMatchingClassifier(MLP([2, 16, 3]))
    let untrained = model.accuracy(points, labels: labels)
    let optimizers = Optimizers(SGD(model.parameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 1e-4))
    for _ in 0..<150 { _ = model.step(LabelledBatch(x: points, labels: labels), optimizers: optimizers) }
    let trained = model.accuracy(points, labels: labels)
    #expect(untrained < 0.6, "untrained accuracy \(untrained)")
    #expect(trained > 0.9, "trained accuracy \(trained)")
    let prediction = model.predict(points)
    #expect(prediction.certainty.min().item() >= 1.0 / 3 - 1e-6 && prediction.certainty.max().item() <= 1)
    // The predictive distribution is the Dirichlet mean α/α₀ (computed as a softmax).
    let mean = withNoGrad { model.dirichlet(points).mean - model.probabilities(points) }
    #expect(mean.abs().max().item() < 1e-6)
  }
}
