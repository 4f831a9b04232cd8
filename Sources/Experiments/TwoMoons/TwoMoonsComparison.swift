import Datasets
import Foundation
import Plots
import Torch
import Uncertainty

/// What `ood moons` was asked for: some of the two-moons methods trained with `experiment`'s
/// settings, their certainty drawn side by side over the plane.
public struct TwoMoonsParameters: Sendable {
  public var experiment: TwoMoonsExperiment
  public var methods: [MoonsMethod]
  /// Training epochs of every method (nil: each method's default).
  public var epochs: Int?
  /// The output folder.
  public var out: String

  public init(experiment: TwoMoonsExperiment, methods: [MoonsMethod], epochs: Int?, out: String) {
    self.experiment = experiment
    self.methods = methods
    self.epochs = epochs
    self.out = out
  }

  /// Trains every method, writes metrics.json and uncertainty.png into `out`; returns the
  /// metrics and the folder.
  public func run() throws -> (metrics: MoonsMetrics, folder: URL) {
    let folder = URL(fileURLWithPath: out, isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let train = experiment.trainingSet
    let test = experiment.testSet
    let figure = Figure(width: 600 * methods.count, height: 640)
    let panels = figure.panels(rows: 1, columns: methods.count)[0]
    var results: [MoonsResult] = []
    for (method, axes) in zip(methods, panels) {
      let (model, seconds) = try experiment.train(method, on: train, epochs: epochs)
      let result = MoonsResult(
        method: method, model: model, epochs: epochs ?? experiment.defaultEpochs(method), seconds: seconds,
        train: train, test: test, certainty: method == .duq ? "max K_c" : experiment.certaintyMeasure.rawValue)
      results.append(result)
      drawCertainty(
        of: model, over: .twoMoons, points: train.points, labels: train.labels, on: axes,
        title: String(format: "%@, %@: test acc. %.1f%%", method.title, result.certainty, 100 * result.testAccuracy))
      // A colour bar on every panel keeps the panels the same size.
      axes.colorbar(colormap: .viridis, range: 0...1, label: "certainty")
    }
    figure.title = title
    let metrics = MoonsMetrics(experiment: experiment, results: results)
    try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
    try figure.write(to: folder.appendingPathComponent("uncertainty.png"))
    return (metrics, folder)
  }

  /// A figure title that fits above its panels (about 33 characters per 600-pixel panel).
  var title: String {
    let duq = String(format: "gradient penalty %g, σ %g", experiment.duq.gradientPenaltyWeight, experiment.duq.lengthScale)
    if methods.count > 1 { return "Certainty on two moons (DUQ: \(duq))" }
    return methods[0] == .duq ? "DUQ, \(duq)" : "\(methods[0].title) on two moons"
  }
}

/// The settings and every method's scores, as written to metrics.json.
public struct MoonsMetrics: Codable, Sendable {
  public var experiment: TwoMoonsExperiment
  public var results: [MoonsResult]
}

/// How one trained method did.
public struct MoonsResult: Codable, Sendable {
  public var method: MoonsMethod
  public var epochs: Int
  public var seconds: Double
  public var parameters: Int
  public var trainAccuracy: Double
  public var testAccuracy: Double
  /// What "certainty" means for this method.
  public var certainty: String
  /// Mean certainty on the test points, which look like the training data.
  public var meanCertaintyTest: Double
  /// Mean certainty on a circle of radius 5 around the moons, far from every training point.
  public var meanCertaintyFar: Double

  init(
    method: MoonsMethod, model: any UncertaintyClassifier, epochs: Int, seconds: Double, train: TwoMoons, test: TwoMoons,
    certainty: String
  ) {
    self.method = method
    self.epochs = epochs
    self.seconds = seconds
    parameters = model.parameterCount
    trainAccuracy = model.accuracy(train.points, labels: train.labels)
    testAccuracy = model.accuracy(test.points, labels: test.labels)
    self.certainty = certainty
    meanCertaintyTest = model.predict(test.points).certainty.mean().item()
    meanCertaintyFar = model.predict(pointsFarFromMoons()).certainty.mean().item()
  }

  /// The line `ood moons` prints for the method.
  public var summary: String {
    String(
      format: "%@: train accuracy %.3f  test accuracy %.3f  certainty on test %.3f, far away %.3f  %d parameters  %d epochs  %.1f s",
      method.rawValue, trainAccuracy, testAccuracy, meanCertaintyTest, meanCertaintyFar, parameters, epochs, seconds)
  }
}
