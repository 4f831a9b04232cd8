import Foundation
import NN
import Testing
import Torch

private let reductions: [(String, Reduction)] = [("mean", .mean), ("sum", .sum), ("none", .none)]

@Suite struct LossTests {
  let fixture: ReferenceFixture
  init() throws { fixture = try ReferenceFixture.load() }

  @Test func meanSquaredError() throws {
    let prediction = try fixture.input("prediction")
    let target = try fixture.input("target")
    for (name, reduction) in reductions {
      fixture.check(mseLoss(prediction, target, reduction: reduction), "mse_\(name)")
    }
  }

  @Test func crossEntropyWithClassIndices() throws {
    let logits = try fixture.input("logits")
    let classes = try fixture.input("classes", dtype: .int64)
    let weight = try fixture.input("class_weight")
    for (name, reduction) in reductions {
      fixture.check(crossEntropy(logits: logits, targets: classes, reduction: reduction), "ce_\(name)")
      fixture.check(
        crossEntropy(logits: logits, targets: classes, labelSmoothing: 0.1, reduction: reduction), "ce_smooth_\(name)")
      fixture.check(
        crossEntropy(logits: logits, targets: classes, weight: weight, reduction: reduction), "ce_weight_\(name)")
      fixture.check(
        crossEntropy(logits: logits, targets: classes, labelSmoothing: 0.2, weight: weight, reduction: reduction),
        "ce_weight_smooth_\(name)")
      fixture.check(
        crossEntropy(logits: logits, targets: classes, ignoreIndex: 1, reduction: reduction), "ce_ignore_\(name)")
      fixture.check(
        crossEntropy(logits: logits, targets: classes, labelSmoothing: 0.1, ignoreIndex: 1, reduction: reduction),
        "ce_ignore_smooth_\(name)")
    }
  }

  @Test func crossEntropyWithProbabilitiesAndSpatialInputs() throws {
    let logits = try fixture.input("logits")
    let soft = try fixture.input("soft_targets")
    let spatialLogits = try fixture.input("spatial_logits")
    let spatialClasses = try fixture.input("spatial_classes", dtype: .int64)
    for (name, reduction) in reductions {
      fixture.check(crossEntropy(logits: logits, targets: soft, reduction: reduction), "ce_soft_\(name)")
      fixture.check(
        crossEntropy(logits: logits, targets: soft, labelSmoothing: 0.3, reduction: reduction), "ce_soft_smooth_\(name)")
      fixture.check(
        crossEntropy(logits: spatialLogits, targets: spatialClasses, reduction: reduction), "ce_spatial_\(name)")
    }
  }

  @Test func negativeLogLikelihood() throws {
    let logProbabilities = try fixture.input("logits").logSoftmax(dim: 1)
    let classes = try fixture.input("classes", dtype: .int64)
    let weight = try fixture.input("class_weight")
    for (name, reduction) in reductions {
      fixture.check(nllLoss(logProbabilities: logProbabilities, targets: classes, reduction: reduction), "nll_\(name)")
      fixture.check(
        nllLoss(logProbabilities: logProbabilities, targets: classes, weight: weight, reduction: reduction),
        "nll_weight_\(name)")
      fixture.check(
        nllLoss(logProbabilities: logProbabilities, targets: classes, ignoreIndex: 3, reduction: reduction),
        "nll_ignore_\(name)")
    }
  }

  @Test func binaryCrossEntropyFromLogitsAndProbabilities() throws {
    let logits = try fixture.input("binary_logits")
    let targets = try fixture.input("binary_targets")
    let weight = try fixture.input("binary_weight")
    let positiveWeight = try fixture.input("positive_weight")
    for (name, reduction) in reductions {
      fixture.check(binaryCrossEntropy(logits: logits, targets: targets, reduction: reduction), "bce_logits_\(name)")
      fixture.check(
        binaryCrossEntropy(logits: logits, targets: targets, weight: weight, reduction: reduction),
        "bce_logits_weight_\(name)")
      fixture.check(
        binaryCrossEntropy(logits: logits, targets: targets, positiveWeight: positiveWeight, reduction: reduction),
        "bce_logits_pos_weight_\(name)")
      fixture.check(
        binaryCrossEntropy(probabilities: logits.sigmoid(), targets: targets, reduction: reduction),
        "bce_probabilities_\(name)")
      fixture.check(
        binaryCrossEntropy(probabilities: logits.sigmoid(), targets: targets, weight: weight, reduction: reduction),
        "bce_probabilities_weight_\(name)")
    }
  }

  @Test func klDivergenceOfLogProbabilities() throws {
    let logModel = try fixture.input("logits").logSoftmax(dim: 1)
    let target = try fixture.input("kl_target")
    fixture.check(klDivergence(logProbabilities: logModel, targetProbabilities: target), "kl_batchmean")
    fixture.check(klDivergence(logProbabilities: logModel, targetProbabilities: target, batchMean: false), "kl_sum")
    // KL of a distribution from itself is zero, and its gradient is finite where the target is zero.
    let x = logModel.detach().requiringGrad()
    let selfKL = klDivergence(logProbabilities: x, targetProbabilities: target.clamp(min: 0))
    selfKL.backward()
    #expect(try #require(x.grad).isFinite().all().item() == 1)
    #expect(klDivergence(logProbabilities: logModel, targetProbabilities: logModel.exp()).item().magnitude < 1e-12)
  }

  @Test func gradientsMatchPyTorch() throws {
    let logits = try fixture.input("logits").requiringGrad()
    let classes = try fixture.input("classes", dtype: .int64)
    let weight = try fixture.input("class_weight")
    crossEntropy(logits: logits, targets: classes, labelSmoothing: 0.1, weight: weight).backward()
    fixture.check(try #require(logits.grad), "ce_weight_smooth_grad")

    let binary = try fixture.input("binary_logits").requiringGrad()
    let targets = try fixture.input("binary_targets")
    binaryCrossEntropy(logits: binary, targets: targets, positiveWeight: try fixture.input("positive_weight")).backward()
    fixture.check(try #require(binary.grad), "bce_logits_pos_weight_grad")
  }

  @Test func closedForms() {
    // Cross-entropy of uniform logits is log C whatever the class.
    let uniform = Tensor.zeros([3, 5], dtype: .float64)
    let classes = Tensor([0, 2, 4] as [Int])
    #expect(Swift.abs(crossEntropy(logits: uniform, targets: classes).item() - Foundation.log(5.0)) < 1e-12)
    // Binary cross-entropy of a zero logit is log 2 for any target.
    let bce = binaryCrossEntropy(logits: Tensor.zeros([4], dtype: .float64), targets: Tensor([0, 1, 0.3, 1], dtype: .float64))
    #expect(Swift.abs(bce.item() - Foundation.log(2.0)) < 1e-12)
    #expect(mseLoss(Tensor([1, 2] as [Double], dtype: .float64), Tensor([3, 2] as [Double], dtype: .float64)).item() == 2)
  }
}
