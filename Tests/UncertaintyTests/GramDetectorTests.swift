import Foundation
import NN
import Testing
import Torch
import Uncertainty

@Suite(.serialized) struct GramDetectorTests {
  /// Values [rows] of a float64 tensor, for comparisons with hand computations.
  private func values(_ t: Tensor) -> [Double] { t.to(.float64).reshape([-1]).toArray(Double.self) }

  private func expectClose(_ actual: [Double], _ expected: [Double], tolerance: Double = 1e-9) {
    #expect(actual.count == expected.count)
    for (a, e) in zip(actual, expected) { #expect(abs(a - e) <= tolerance * max(1, abs(e)), "\(a) vs \(e)") }
  }

  @Test func gramFeaturesMatchAHandComputation() {
    // F = [[1, -2, 3], [0, 1, -1]] as one example with C = 2 channels on a 1 × 3 map.
    let f = Tensor([1, -2, 3, 0, 1, -1] as [Double], shape: [1, 2, 1, 3], dtype: .float32)
    let g = GramDetector.gramFeatures(f, powers: [1, 2, 3])
    #expect(g.shape == [1, 3, 2])
    #expect(g.dtype == .float64)
    // p = 1: G = [[14, -5], [-5, 2]], row sums (9, -3).
    // p = 2: F² = [[1, 4, 9], [0, 1, 1]], G = [[98, 13], [13, 2]], row sums (111, 15), square root.
    // p = 3: F³ = [[1, -8, 27], [0, 1, -1]], G = [[794, -35], [-35, 2]], row sums (759, -33),
    // signed cube root.
    expectClose(values(g), [9, -3, 111.0.squareRoot(), 15.0.squareRoot(), cbrt(759), -cbrt(33)])
  }

  @Test func linearActivationsCountAsChannelsOnAOnePixelMap() {
    // [B, D] is read as [B, D, 1], as the official reshape does: Gᵢⱼ = fᵢᵖfⱼᵖ, row sums fᵢᵖ Σⱼ fⱼᵖ.
    let f = Tensor([2, -1, 3] as [Double], shape: [1, 3], dtype: .float64)
    let g = GramDetector.gramFeatures(f, powers: [1, 2])
    expectClose(values(g), [2 * 4, -1 * 4, 3 * 4, (4 * 14.0).squareRoot(), 14.0.squareRoot(), (9 * 14.0).squareRoot()])
  }

  @Test func powersThatOverflowFloat32StayFinite() {
    // 200²⁰ ≈ 1e46 exceeds float32's 3.4e38; in float64 the 10th root gives back 200² exactly.
    let f = Tensor([200, -200] as [Float], shape: [1, 1, 2])
    expectClose(values(GramDetector.gramFeatures(f, powers: [10])), [40000 * Foundation.pow(2, 0.1)])
  }

  @Test func deviationIsTheRelativeExcessOverTheBounds() {
    let minimums = Tensor([1, 1, -2] as [Double], shape: [1, 1, 3], dtype: .float64)
    let maximums = Tensor([10, 2, -1] as [Double], shape: [1, 1, 3], dtype: .float64)
    let gram = Tensor(
      [5, 1.5, -1.5, 5, 0.5, -3, 20, 1, -1] as [Double], shape: [3, 1, 3], dtype: .float64)
    let d = values(GramDetector.deviation(gram, minimums: minimums, maximums: maximums))
    // Row 0 lies inside every bound; row 1 falls 0.5 below 1 and 1 below −2; row 2 is 10 above 10.
    expectClose(d, [0, 0.5 / (1 + 1e-6) + 1 / abs(-2 + 1e-6), 10 / (10 + 1e-6)])
  }

  @Test func boundsArePerPredictedClassAcrossBatches() {
    // Inputs [B, 3]: two features, then the class the "network" predicts.
    let detector = GramDetector(
      classCount: 3, powers: [1], features: { [$0.slice(dim: 1, start: 0, end: 2)] },
      predictedClass: { $0.select(dim: 1, index: 2).to(.int64) })
    let batches = [
      Tensor([1, 1, 0, 1, -1, 1] as [Double], shape: [2, 3], dtype: .float64),
      Tensor([2, 0, 0, -1, 2, 1, 3, 1, 1] as [Double], shape: [3, 3], dtype: .float64),
    ]
    detector.fit(trainingBatches: batches)
    let statistics = try! #require(detector.statistics)
    // With p = 1 and one pixel, a feature is fᵢ(f₁ + f₂). Class 0: (2, 2), (4, 0). Class 1:
    // (0, 0), (−1, 2), (12, 4). Class 2 was never predicted and borrows the union of both.
    #expect(statistics.minimums[0].shape == [3, 1, 2])
    expectClose(values(statistics.minimums[0]), [2, 0, -1, 0, -1, 0])
    expectClose(values(statistics.maximums[0]), [4, 2, 12, 4, 12, 4])
    #expect(statistics.classCounts == [2, 3, 0])
  }

  /// A fixed small conv net on 1 × 6 × 6 inputs: its conv map, that map after ReLU, and the logits.
  private func network() -> (features: (Tensor) -> [Tensor], predict: (Tensor) -> Prediction) {
    Torch.manualSeed(3)
    let conv = Conv2d(1, 4, kernelSize: 3)
    let linear = Linear(64, 3)
    let features = { (x: Tensor) -> [Tensor] in
      let map = conv(x)
      let hidden = map.relu()
      return [map, hidden, linear(hidden.flatten(from: 1))]
    }
    let predict = { (x: Tensor) -> Prediction in
      let probabilities = features(x)[2].softmax(dim: 1)
      return Prediction(classes: probabilities.argmax(dim: 1), certainty: probabilities.amax(1))
    }
    return (features, predict)
  }

  private func cluster(_ count: Int, mean: Double) -> Tensor {
    Tensor.normal([count, 1, 6, 6], mean: mean, std: 1)
  }

  @Test func farAwayInputsDeviateMoreThanHeldOutOnes() throws {
    let (features, predict) = network()
    let detector = GramDetector(classCount: 3, features: features, predict: predict)
    let training = (0..<4).map { _ in cluster(64, mean: 0) }
    detector.fit(trainingBatches: training)
    let validation = cluster(64, mean: 0)
    detector.calibrate(validationBatches: [validation])

    let inDistribution = values(detector.deviations(cluster(100, mean: 0)))
    // A shift of 1.5 standard deviations on every pixel: far in input space, never seen in training.
    let outOfDistribution = values(detector.deviations(cluster(100, mean: 1.5)))
    // AUROC as the fraction of (OoD, in-distribution) pairs ordered correctly, ties counting half.
    var correct = 0.0
    for o in outOfDistribution {
      for i in inDistribution { correct += o > i ? 1 : (o == i ? 0.5 : 0) }
    }
    let auroc = correct / Double(inDistribution.count * outOfDistribution.count)
    let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
    #expect(auroc > 0.95, "AUROC \(auroc)")
    #expect(mean(outOfDistribution) > 5 * mean(inDistribution))
    let sortedIn = inDistribution.sorted()
    let flagged = outOfDistribution.filter { $0 > sortedIn[94] }.count
    #expect(flagged >= 90, "\(flagged) of 100 far inputs exceed the 95th percentile of held-out ones")
  }

  @Test func totalDeviationSumsLayerDeviationsOverTheirValidationMeans() throws {
    let (features, predict) = network()
    let detector = GramDetector(classCount: 3, powers: [1, 2, 5], features: features, predict: predict)
    detector.fit(trainingBatches: [cluster(64, mean: 0)])
    let validation = cluster(32, mean: 0)
    detector.calibrate(validationBatches: validation.chunk(2))

    let perLayer = detector.layerDeviations(validation)
    #expect(perLayer.shape == [32, 3])
    let normalizers = try #require(detector.statistics?.normalizers)
    expectClose(normalizers, values(perLayer.mean(0) + 1e-7))
    let x = cluster(8, mean: 1)
    let expected = (detector.layerDeviations(x) / Tensor(normalizers, shape: [1, 3], dtype: .float64)).sum(1)
    expectClose(values(detector.deviations(x)), values(expected))
  }

  @Test func savedStatisticsScoreLikeTheOriginal() throws {
    let (features, predict) = network()
    let detector = GramDetector(classCount: 3, powers: [1, 3], features: features, predict: predict)
    detector.fit(trainingBatches: [cluster(64, mean: 0)])
    detector.calibrate(validationBatches: [cluster(16, mean: 0)])
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gram-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try detector.statistics!.save(to: url)

    let restored = GramDetector(classCount: 3, powers: [1, 3], features: features, predict: predict)
    restored.statistics = try GramDetector.Statistics.load(from: url)
    #expect(restored.statistics?.classCounts == detector.statistics?.classCounts)
    let x = cluster(8, mean: 2)
    expectClose(values(restored.deviations(x)), values(detector.deviations(x)))
  }

  @Test func loadingRejectsFilesThatAreNotGramStatistics() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gram-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try SafeTensors.write([("powers", Tensor([1, 2]))], metadata: ["layers": "1"], to: url)
    #expect(throws: TorchError.self) { try GramDetector.Statistics.load(from: url) }
  }
}
