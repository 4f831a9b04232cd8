import Foundation
import NN
import Testing
import Torch
import Training

@testable import Backbones
@testable import SemiSupervised

/// Each method's loss against its formula on hand-made numbers.
@Suite struct LossTests {
  /// NS3L: N(x) = {k : p_k < T} from the first probabilities, −log(1 − Σ_{k∈N} p̃_k) from the second.
  @Test func negativeSamplingMatchesItsFormula() {
    let ns = NegativeSampling(threshold: 0.04)
    let first = Tensor([0.90, 0.07, 0.03, 0.00, 0.50, 0.48, 0.01, 0.01, 0.25, 0.25, 0.25, 0.25], shape: [3, 4], dtype: .float64)
    let second = Tensor([0.80, 0.10, 0.06, 0.04, 0.40, 0.40, 0.15, 0.05, 0.10, 0.20, 0.30, 0.40], shape: [3, 4], dtype: .float64)
    let mask = ns.negatives(first)
    #expect(mask.toArray(Double.self) == [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0])
    let loss = NegativeSampling.loss(probabilities: second, negatives: mask).toArray(Double.self)
    let expected = [-Foundation.log(1 - 0.10), -Foundation.log(1 - 0.20), 0]
    #expect(zip(loss, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 }, "\(loss) != \(expected)")
    // All the mass on negatives: the clamp at 1e-8 keeps the loss finite, −log 1e-8.
    let all = NegativeSampling.loss(
      probabilities: Tensor([0.0, 1.0], shape: [1, 2], dtype: .float64), negatives: Tensor([1.0, 1.0], shape: [1, 2], dtype: .float64))
    #expect(Swift.abs(all.item() + Foundation.log(1e-8)) < 1e-9)
  }

  /// The term through a network: the mask comes from the given logits, the loss from a second pass.
  @Test func negativeSamplingTermUsesTheSecondPass() {
    Torch.manualSeed(1)
    let network = Linear(3, 5)
    network.to(.float64)
    let inputs = Tensor.randn([6, 3], dtype: .float64)
    let logits = 3 * Tensor.randn([6, 5], dtype: .float64)  // not the network's: the mask must come from these
    let ns = NegativeSampling(threshold: 0.1)
    let got = ns.losses(network: network, inputs: inputs, logits: logits, labelledCount: 2)
    let mask = (logits[2..<6].softmax(dim: 1) .< 0.1).to(.float64)
    let p = withNoGrad { network(inputs[2..<6]).softmax(dim: 1) }
    let expected = -(1 - (mask * p).sum(1)).log()
    #expect(got.shape == [4])
    #expect((got.detach() - expected).abs().max().item() < 1e-12)
    #expect(mask.sum().item() > 0)
  }

  /// Pseudo-labels: KL(softmax(10·onehot) ‖ p) on confident rows only.
  @Test func pseudoLabelMatchesTheRealisticSSLTarget() {
    let logits = Tensor([4.0, 0.0, 0.0, 0.2, 0.1, 0.0], shape: [2, 3], dtype: .float64)
    let losses = PseudoLabel.losses(logits: logits, threshold: 0.95).toArray(Double.self)
    let z = Foundation.exp(10.0) + 2
    let target = [Foundation.exp(10.0) / z, 1 / z, 1 / z]
    let p0 = [4.0, 0, 0].map { Foundation.exp($0) / (Foundation.exp(4) + 2) }
    let expected0 = zip(target, p0).map { $0 * Foundation.log($0 / $1) }.reduce(0, +)
    // Row 0: max p = e⁴/(e⁴+2) ≈ 0.965 > 0.95; row 1 is not confident.
    #expect(Swift.abs(losses[0] - expected0) < 1e-12)
    #expect(losses[1] == 0)
  }

  /// The Π-model's per-row mean over classes of the squared softmax difference.
  @Test func piModelSquaredDifference() {
    let a = Tensor([0.0, 0.0, 1.0, -1.0], shape: [2, 2], dtype: .float64)
    let b = Tensor([1.0, 0.0, 1.0, -1.0], shape: [2, 2], dtype: .float64)
    let d = PiModel.squaredDifference(student: a, target: b).toArray(Double.self)
    let s = 1 / (1 + Foundation.exp(-1.0))
    #expect(Swift.abs(d[0] - (s - 0.5) * (s - 0.5)) < 1e-12)
    #expect(d[1] == 0)
  }

  /// VAT's r_adv has length ε and raises the KL several times more than random directions of
  /// that length (20 input dimensions, logits of rank ≤ 2 around x: a random direction catches
  /// a small part of the curvature).
  /// With the reference's ξ = 1e-6 in float64, and ξ = 1e-3 in float32: there a deterministic
  /// network's p(x + ξd) is often bit for bit p(x) at ξ = 1e-6, and the gradient exactly zero.
  @Test(arguments: [(DType.float64, 1e-6), (DType.float32, 1e-3)])
  func vatDirectionIsAdversarial(dtype: DType, xi: Double) {
    Torch.manualSeed(2)
    let network = MLP([20, 32, 32, 3], activation: .tanh)
    network.to(dtype)
    let x = Tensor.randn([64, 20], dtype: dtype)
    let logits = withNoGrad { network(x) }
    let vat = VAT(epsilon: 0.1, xi: xi)
    let r = vat.perturbation(network: network, x: x, logits: logits)
    let norms = r.square().sum(1).sqrt()
    #expect((norms - 0.1).abs().max().item() < 1e-5)
    func kl(_ perturbation: Tensor) -> Double {
      withNoGrad { VAT.klDivergence(logits, network(x + perturbation)).mean().item() }
    }
    let adversarial = kl(r)
    let random = (0..<5).map { _ in kl(0.1 * VAT.normalised(Tensor.randn(x.shape, dtype: dtype))) }
    #expect(adversarial > 3 * random.max()!, "adversarial \(adversarial) vs random \(random)")
    // Its loss is KL(p(x + r) ‖ p(x)), zero when the network ignores its input.
    let losses = vat.losses(network: network, inputs: x, logits: network(x), labelledCount: 16)
    #expect(losses.shape == [48])
    #expect(losses.min().item() >= 0)
  }

  /// The objective's total: Σ_l CE / B + λ(t) · Σ_u ℓ_u / B + μ · Σ_u ℓᴺˢ_u / B with B = L + U,
  /// the realistic-ssl-evaluation normalisation, at the step the loop prepared.
  @Test func totalLossNormalisesByTheWholeBatch() {
    Torch.manualSeed(4)
    let network = Linear(3, 4)
    network.to(.float64)
    let batch = SemiSupervisedBatch(
      labelled: LabelledBatch(x: 3 * Tensor.randn([2, 3], dtype: .float64), labels: Tensor([1, 3])),
      unlabelled: 3 * Tensor.randn([5, 3], dtype: .float64))
    let ns = NegativeSampling(threshold: 0.1, weight: 0.7)
    let objective = PseudoLabel.classifier(
      network: network, threshold: 0.6, ramp: RampUp(maximum: 2, warmupSteps: 10), negativeSampling: ns)
    objective.prepare(forStep: 5)
    let (total, terms) = objective.loss(batch)
    let ce = crossEntropy(logits: network(batch.labelled.x), targets: batch.labelled.labels, reduction: .sum).item()
    let logits = network(batch.unlabelled)
    let pseudo = PseudoLabel.losses(logits: logits, threshold: 0.6).sum().item()
    let negatives = ns.negatives(logits.softmax(dim: 1))
    let negative = NegativeSampling.loss(probabilities: logits.softmax(dim: 1), negatives: negatives).sum().item()
    let lambda = 2 * Foundation.exp(-5 * 0.25)
    #expect(pseudo > 0 && negative > 0)
    #expect(Swift.abs(terms["consistency_weight"]! - lambda) < 1e-12)
    #expect(Swift.abs(total.item() - (ce + lambda * pseudo + 0.7 * negative) / 7) < 1e-12)
    #expect(Swift.abs(terms["classification"]! - ce / 7) < 1e-12)
  }

  /// The ramp: λ_max·e⁻⁵ at the start, λ_max from step T on.
  @Test func rampFollowsTheSigmoidShape() {
    let ramp = RampUp(maximum: 10, warmupSteps: 100)
    #expect(Swift.abs(ramp(0) - 10 * Foundation.exp(-5)) < 1e-12)
    #expect(Swift.abs(ramp(50) - 10 * Foundation.exp(-1.25)) < 1e-12)
    #expect(ramp(100) == 10 && ramp(500) == 10)
    #expect(RampUp(maximum: 3, warmupSteps: 0)(1) == 3)
  }

  /// Extra passes normalise with their batch's statistics but leave the running ones alone.
  @Test func extraPassesKeepBatchNormStatistics() {
    Torch.manualSeed(3)
    let network = Sequential(Linear(3, 4), BatchNorm1d(4))
    let norm = network.layers[1] as! BatchNorm1d
    network.train()
    _ = network(Tensor.randn([8, 3]))
    let mean = norm.runningMean.toArray(Float.self)
    let count = norm.numBatchesTracked.toArray(Int64.self)
    let inside = withoutUpdatingBatchStatistics(of: network) { () -> [Float] in
      _ = network(Tensor.randn([8, 3]) + 5)
      return norm.runningMean.toArray(Float.self)
    }
    #expect(inside != mean)  // the pass did move them ...
    #expect(norm.runningMean.toArray(Float.self) == mean)  // ... and they were put back
    #expect(norm.numBatchesTracked.toArray(Int64.self) == count)
  }

  /// The DS3L CNN: 28 → 14 → 7, 32·7·7 features, the official parameter count.
  @Test func ds3lCNNHasThePapersShape() {
    let cnn = DS3LCNN(classes: 6)
    #expect(cnn(Tensor.zeros([2, 1, 28, 28])).shape == [2, 6])
    let count = cnn.parameters().map(\.count).reduce(0, +)
    #expect(count == (16 * 9 + 16) + (32 * 16 * 9 + 32) + (32 * 7 * 7 * 6 + 6))
    #expect(cnn.namedParameters().map(\.name) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc.weight", "fc.bias"])
  }
}
