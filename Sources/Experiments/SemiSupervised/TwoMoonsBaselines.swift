import Foundation
import NN
import SemiSupervised
import Torch
import Training

/// The two baselines issue 34 sets beside FlowGMM on two moons, on exactly a FlowGMM run's
/// points (the same seed gives the same labelled, unlabelled and test points): an MLP trained
/// on the labelled points alone, and label spreading over the labelled and unlabelled points.
public struct TwoMoonsBaselines: Codable, Sendable {
  public var seed: UInt64
  public var labels: Int
  public var unlabelled: Int
  public var testPoints: Int
  /// Test accuracy of the MLP (`mlpSizes`, ReLU) after `mlpSteps` full-batch AdamW steps
  /// (learning rate 10⁻³, weight decay 10⁻²) on the labelled points' cross-entropy.
  public var mlpAccuracy: Double
  public var mlpSizes: [Int]
  public var mlpSteps: Int
  /// Test accuracy of label spreading (RBF kernel, γ and α below: scikit-learn's defaults).
  public var labelSpreadingAccuracy: Double
  public var labelSpreadingGamma: Double
  public var labelSpreadingAlpha: Double
  /// Seconds to train the MLP and to spread the labels.
  public var mlpSeconds: Double
  public var labelSpreadingSeconds: Double

  /// The hidden width of the official notebook's coupling networks, so the MLP is as wide as
  /// the flow's own layers.
  public static let defaultMLPSizes = [2, 512, 512, 2]

  /// Both baselines on `run`'s two-moons data.
  public init(run: FlowGMMRun, mlpSteps: Int = 1_000, mlpSizes: [Int] = defaultMLPSizes) throws {
    guard !run.isImages else {
      throw ExperimentError("the two-moons baselines need --dataset two-moons, got \(run.dataset.rawValue)")
    }
    guard mlpSteps > 0 else { throw ExperimentError("the MLP needs at least one step, got \(mlpSteps)") }
    let data = try run.data()
    seed = run.seed
    labels = data.labelledPoints.size(0)
    unlabelled = data.unlabelledPoints.size(0)
    testPoints = data.testPoints.size(0)
    self.mlpSizes = mlpSizes
    self.mlpSteps = mlpSteps

    var clock = Date()
    Torch.manualSeed(run.seed)
    let classifier = Supervised.classifier(network: MLP(mlpSizes))
    let batch = SemiSupervisedBatch(
      labelled: LabelledBatch(x: data.labelledPoints, labels: data.labelledLabels), unlabelled: Tensor.zeros([0, 2]))
    let loop = TrainingLoop(.steps(mlpSteps), seed: run.seed &+ 1_000, checkpoint: nil, label: "mlp")
    _ = try loop.run(
      classifier, optimizers: Optimizers(AdamW(classifier.parameters(), learningRate: 1e-3, weightDecay: 1e-2)),
      resume: false
    ) { _ in batch }
    classifier.eval()
    mlpAccuracy = withNoGrad { Self.accuracy(classifier(data.testPoints).argmax(dim: 1), data.testLabels) }
    mlpSeconds = Date().timeIntervalSince(clock)

    clock = Date()

    let spreading = LabelSpreading(
      labelledPoints: data.labelledPoints, labels: data.labelledLabels, unlabelledPoints: data.unlabelledPoints,
      classes: run.classes)
    labelSpreadingAccuracy = Self.accuracy(spreading.predict(data.testPoints), data.testLabels)
    labelSpreadingGamma = spreading.gamma
    labelSpreadingAlpha = spreading.alpha
    labelSpreadingSeconds = Date().timeIntervalSince(clock)
  }

  /// The two baselines as rows of docs/results/flowgmm.json: `mlp-labels-only` (its steps) and
  /// `label-spreading` (no steps: a linear solve).
  public var rows: [FlowGMMResultRow] {
    [
      FlowGMMResultRow(
        method: "mlp-labels-only", dataset: SemiSupervisedDataset.twoMoons.rawValue, labels: labels, unlabelled: 0, seed: seed,
        accuracy: mlpAccuracy, steps: mlpSteps, seconds: mlpSeconds),
      FlowGMMResultRow(
        method: "label-spreading", dataset: SemiSupervisedDataset.twoMoons.rawValue, labels: labels, unlabelled: unlabelled,
        seed: seed, accuracy: labelSpreadingAccuracy, steps: 0, seconds: labelSpreadingSeconds),
    ]
  }

  static func accuracy(_ predictions: Tensor, _ labels: Tensor) -> Double {
    (predictions .== labels).to(.float64).mean().item()
  }
}
