import Foundation
import ImageData
import Metrics
import NN
import Plots
import SelfSupervised
import Torch
import Training

/// What `selfsup pretext` was asked for: `run` trained for `epochs` epochs in all.
public struct ShortcutRemovalTrainingParameters: Sendable {
  public var run: ShortcutRemovalRun
  public var epochs: Int
  /// The run folder.
  public var out: String
  public var resume = false
  /// Score only the first this many test images in metrics.json (nil: all 10,000).
  public var testSubset: Int?

  public init(run: ShortcutRemovalRun, epochs: Int, out: String) {
    self.run = run
    self.epochs = epochs
    self.out = out
  }
}

/// What `selfsup pretext` writes to metrics.json.
public struct ShortcutRemovalMetrics: Codable, Sendable {
  public var run: ShortcutRemovalRun
  public var epochs: Int
  public var steps: Int
  public var seconds: Double
  public var finalLoss: Double?
  public var testImages: Int
  /// F's rotation accuracy on L(t_j x) over the four rotations of the test images.
  public var pretextAccuracy: Double
  /// mean (x − L(x))² on the test images, in [0, 1] pixels (0 without a lens).
  public var reconstructionMSE: Double
  public var threads: Int
}

/// What `selfsup probe` writes to probe.json and prints.
public struct ShortcutRemovalProbeResult: Codable, Sendable {
  public var features: ProbeFeatures
  public var trainImages: Int
  public var testImages: Int
  public var epochs: Int
  /// Ten-class test accuracy of a linear classifier on F's frozen (standardised) features.
  public var probeAccuracy: Double
  public var probeTrainAccuracy: Double
}

extension ShortcutRemovalTrainingParameters {
  /// Trains the run into `out` (a checkpoint after every epoch with a point of `curve.csv`:
  /// pretext accuracy and reconstruction MSE on the first 1,000 test images; then
  /// metrics.json and lens.png, a grid of x, L(x) and |x − L(x)| for eight test images).
  public func train() throws -> (metrics: ShortcutRemovalMetrics, folder: URL, files: [String]) {
    let folder = try runFolder(out, resume: resume, unit: "epoch")
    let (train, fullTest) = try run.data()
    let test = fullTest.first(testSubset)
    let model = run.makeModel()
    var curve = try LearningCurveFiles(folder: folder, columns: ["pretext_accuracy", "reconstruction_mse"], resume: resume)
    let curveImages = test.images[0..<Swift.min(1_000, test.count)]
    let loop = TrainingLoop(
      .epochs(epochs), seed: run.seed &+ 1_000, checkpoint: folder.appendingPathComponent(runCheckpointName),
      config: run.json, label: "rotation, \(run.shortcut.rawValue) shortcut, lens \(run.lens.rawValue)")
    let data = TransformedCopies(
      LabelledData(points: train.images, labels: train.labels, batchSize: run.batchSize), transforms: Rotations.quarterTurns)
    let title = "rotation pretext: \(run.shortcut.rawValue) shortcut, lens \(run.lens.rawValue), weight \(run.lensWeight)"
    let afterCheckpoint = { (epochs: Int, seconds: Double) throws in
      let scores = model.pretextScores(curveImages)
      try curve.record(.init(step: epochs, values: [scores.accuracy, scores.reconstructionMSE], trainSeconds: seconds)) {
        $0.figure(title: title, xLabel: "epochs", yLabel: "", labels: ["pretext accuracy", "reconstruction MSE"])
      }
    }
    let optimizers = model.optimizers(learningRate: run.learningRate)
    let summary: TrainingSummary
    switch model {
    case .plain(let objective):
      summary = try loop.run(objective, optimizers: optimizers, data: data, resume: resume, afterCheckpoint: afterCheckpoint)
    case .lensed(let objective):
      summary = try loop.run(objective, optimizers: optimizers, data: data, resume: resume, afterCheckpoint: afterCheckpoint)
    }
    let scores = model.pretextScores(test.images)
    let metrics = ShortcutRemovalMetrics(
      run: run, epochs: summary.lastStep, steps: summary.lastStep * data.batchesPerEpoch, seconds: summary.totalSeconds,
      finalLoss: summary.finalLoss, testImages: test.count, pretextAccuracy: scores.accuracy,
      reconstructionMSE: scores.reconstructionMSE, threads: Torch.threadCount)
    try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
    try lensFigure(model, images: test.images[0..<Swift.min(8, test.count)], title: title)
      .write(to: folder.appendingPathComponent("lens.png"))
    return (metrics, folder, [runCheckpointName, "metrics.json", "curve.csv", "curve.png", "lens.png"])
  }

  /// Rows x, L(x) and |x − L(x)| (in [0, 1] pixels) of `images`, one column per image: the
  /// kind of Minderer et al.'s Figure 3.
  func lensFigure(_ model: ShortcutRemovalModel, images: Tensor, title: String) -> Figure {
    let pixels = { (x: Tensor) in x * FashionMNISTRun.pixelStd + FashionMNISTRun.pixelMean }
    let lensed = model.lensed(images)
    let rows = [("x", pixels(images).clamp(min: 0, max: 1)), ("L(x)", pixels(lensed).clamp(min: 0, max: 1)),
                ("|x − L(x)|", ((lensed - images).abs() * FashionMNISTRun.pixelStd).clamp(min: 0, max: 1))]
    let figure = Figure(width: 110 * images.size(0) + 20, height: 120 * rows.count + 60, fontScale: 1)
    figure.title = title
    let grid = figure.panels(rows: rows.count, columns: images.size(0))
    for (row, (name, batch)) in rows.enumerated() {
      for column in 0..<images.size(0) {
        let axes = grid[row][column]
        axes.image(batch[column].toArray(Double.self), shape: [batch.size(2), batch.size(3)], colormap: .gray, range: 0...1)
        axes.showTicks = false
        if column == 0 { axes.title = name }
      }
    }
    return figure
  }
}

/// Which of the frozen F's features a probe sees.
public enum ProbeFeatures: String, CaseIterable, Codable, Sendable {
  /// F's features of L(x): the representation the lens was trained for.
  case lensed
  /// F's features of x itself.
  case raw
  /// Both, concatenated (Minderer et al. also report this).
  case both
}

/// `selfsup probe`: a linear classifier on the frozen F's features.
public struct ShortcutRemovalProbe {
  public let run: ShortcutRemovalRun
  public let result: ShortcutRemovalProbeResult
  /// Where probe.json was written (the run folder).
  public let file: URL

  /// Loads the run at `checkpoint`, standardises F's features (each coordinate to mean 0 and
  /// standard deviation 1 over the training images: the ReLU features' scales differ by orders
  /// of magnitude between runs, and an unscaled probe then measures its optimiser more than the
  /// representation), fits the probe for `epochs` epochs of Adam (learning rate 10⁻³, batches
  /// of 256) on the run's training images (with their shortcut) and scores it on the test
  /// images (the first `testSubset`); writes probe.json (probe-raw.json, probe-both.json for
  /// the other feature choices) next to the checkpoint.
  public init(checkpoint path: String, epochs: Int = 100, features choice: ProbeFeatures = .lensed, testSubset: Int? = nil) throws {
    let (url, info) = try savedCheckpoint(at: path, writtenBy: "selfsup pretext")
    guard let config = info.config, let run = ShortcutRemovalRun.decode(config) else {
      throw ExperimentError("\(url.path) is not a `selfsup pretext` checkpoint (its metadata has no shortcut-removal configuration)")
    }
    let model = run.makeModel()
    try Checkpoint.load(from: url, into: model.module)
    let (train, fullTest) = try run.data()
    let test = fullTest.first(testSubset)
    let features = { (images: Tensor) -> Tensor in
      switch choice {
      case .lensed: model.features(images)
      case .raw: model.features(images, lensed: false)
      case .both: Tensor.cat([model.features(images), model.features(images, lensed: false)], dim: 1)
      }
    }
    var trainFeatures = features(train.images), testFeatures = features(test.images)
    let mean = trainFeatures.mean(0, keepDim: true), scale = trainFeatures.std(0, keepDim: true) + 1e-6
    trainFeatures = (trainFeatures - mean) / scale
    testFeatures = (testFeatures - mean) / scale
    Torch.manualSeed(run.seed &+ 2_000)
    let probe = LinearProbe(features: trainFeatures.size(1), classes: 10)
    let loop = TrainingLoop(.epochs(epochs), seed: run.seed &+ 2_000, checkpoint: nil, label: "probe")
    _ = try loop.run(
      probe, optimizers: Optimizers(Adam(probe.parameters(), learningRate: 1e-3)),
      data: LabelledData(points: trainFeatures, labels: train.labels, batchSize: Swift.min(256, train.count)), resume: false)
    let accuracy = { (features: Tensor, labels: Tensor) in
      withNoGrad { (probe(features).argmax(dim: 1) .== labels).to(.float64).mean().item() }
    }
    self.run = run
    result = ShortcutRemovalProbeResult(
      features: choice, trainImages: train.count, testImages: test.count, epochs: epochs,
      probeAccuracy: accuracy(testFeatures, test.labels), probeTrainAccuracy: accuracy(trainFeatures, train.labels))
    file = url.deletingLastPathComponent().appendingPathComponent(Self.fileName(choice))
    try writeJSON(result, to: file)
  }

  /// probe.json for the lensed features, probe-raw.json and probe-both.json for the others.
  public static func fileName(_ choice: ProbeFeatures) -> String { choice == .lensed ? "probe.json" : "probe-\(choice.rawValue).json" }
}

/// One finished shortcut-removal run, as `docs/results/lens.json` lists it.
public struct ShortcutRemovalResultRow: Codable, Sendable {
  public var shortcut: String
  public var lens: String
  public var lambda: Double
  public var seed: UInt64
  public var pretextAccuracy: Double
  public var probeAccuracy: Double
  /// The probe on F's features of L(x) and of x concatenated (probe-both.json), if it was run.
  public var probeBothAccuracy: Double?
  public var reconstructionMSE: Double
  public var epochs: Int
  public var seconds: Double
  public var run: String

  enum CodingKeys: String, CodingKey {
    case shortcut, lens, lambda, seed, epochs, seconds, run
    case pretextAccuracy = "pretext_accuracy"
    case probeAccuracy = "probe_accuracy"
    case probeBothAccuracy = "probe_both_accuracy"
    case reconstructionMSE = "reconstruction_mse"
  }
}

/// `selfsup lens-report`: pretext runs with their probes as rows and a Markdown table of the
/// mean and spread over seeds.
public struct ShortcutRemovalReport {
  public let rows: [ShortcutRemovalResultRow]

  public init(folders: [String]) throws {
    rows = try folders.map { folder in
      let base = URL(fileURLWithPath: folder)
      guard let metrics = readJSON(ShortcutRemovalMetrics.self, from: base.appendingPathComponent("metrics.json")) else {
        throw ExperimentError("no pretext metrics at \(folder)/metrics.json: pass run folders that `penumbra selfsup pretext` finished")
      }
      guard let probe = readJSON(ShortcutRemovalProbeResult.self, from: base.appendingPathComponent("probe.json")) else {
        throw ExperimentError("no \(folder)/probe.json: run `penumbra selfsup probe --checkpoint \(folder)` first")
      }
      let both = readJSON(ShortcutRemovalProbeResult.self, from: base.appendingPathComponent(ShortcutRemovalProbe.fileName(.both)))
      return ShortcutRemovalResultRow(
        shortcut: metrics.run.shortcut.rawValue, lens: metrics.run.lens.rawValue, lambda: metrics.run.lensWeight,
        seed: metrics.run.seed, pretextAccuracy: metrics.pretextAccuracy, probeAccuracy: probe.probeAccuracy,
        probeBothAccuracy: both?.probeAccuracy, reconstructionMSE: metrics.reconstructionMSE, epochs: metrics.epochs, seconds: metrics.seconds, run: folder)
    }
  }

  public var markdown: String {
    var order: [String] = []
    var grouped: [String: [ShortcutRemovalResultRow]] = [:]
    for row in rows {
      let key = "\(row.shortcut)|\(row.lens)|\(row.lambda)"
      if grouped[key] == nil { order.append(key) }
      grouped[key, default: []].append(row)
    }
    var lines = [
      "| shortcut | lens | λ | seeds | pretext accuracy | probe accuracy | probe on L(x) and x | reconstruction MSE | epochs | seconds |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in order {
      let group = grouped[key]!, first = group[0]
      let stats = { (values: [Double]) in SemiSupervisedReport.meanAndSpread(values) }
      let pretext = stats(group.map(\.pretextAccuracy)), probe = stats(group.map(\.probeAccuracy))
      let mse = stats(group.map(\.reconstructionMSE))
      let bothValues = group.compactMap(\.probeBothAccuracy)
      let both = bothValues.count == group.count ? String(format: "%.4f ± %.4f", stats(bothValues).mean, stats(bothValues).std) : "–"
      lines.append(
        "| \(first.shortcut) | \(first.lens) | \(first.lens == "none" ? "–" : String(first.lambda)) | \(group.count) | "
          + String(format: "%.4f ± %.4f | %.4f ± %.4f | ", pretext.mean, pretext.std, probe.mean, probe.std) + both
          + String(format: " | %.4f ± %.4f | %d | %.0f |", mse.mean, mse.std, first.epochs, stats(group.map(\.seconds)).mean))
    }
    return lines.joined(separator: "\n")
  }
}
