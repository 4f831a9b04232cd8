import ArgumentParser
import Experiments
import Foundation
import Torch

extension SemiSupervisedMethod: ExpressibleByArgument {}
extension SemiSupervisedDataset: ExpressibleByArgument {}

struct SemiSupervisedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ssl",
    abstract: "Semi-supervised learning when the unlabelled data holds unseen classes: DS3L, NS3L and their baselines.",
    subcommands: [Train.self, Evaluate.self, Report.self])
}

extension SemiSupervisedCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train supervised, Π-model, pseudo-label, VAT or DS3L on a class-mismatch split; writes model.safetensors, curve.csv and metrics.json.",
      discussion: """
        The split follows guolz-ml/DS3L: --labels balanced over the seen classes, --unlabelled images of which a \
        share --mismatch comes from the other classes, --validation seen-class images; the test set is the seen \
        classes' test images. An epoch is one pass over the unlabelled set. Validation and test accuracy are scored \
        after every epoch; metrics.json reports the test accuracy at the best validation epoch. Ctrl-C or SIGTERM \
        saves mid-epoch; --resume continues exactly.
        """)

    @Option(help: "supervised, pi, pseudo-label, vat or ds3l.") var method: SemiSupervisedMethod
    @Option(help: "Add NS3L's negative-sampling term with threshold T (0.04 for 10 classes in the NS3L code).")
    var negativeSampling: Double?
    @Option(help: "fashion-mnist or mnist (the 5,000 digits of `make data`).") var dataset: SemiSupervisedDataset = .fashionMNIST
    @Option(help: "Labelled images, the same number from every seen class.") var labels = 60
    @Option(help: "Unlabelled images.") var unlabelled = 20_000
    @Option(help: "Seen classes: a range or a comma-separated list, e.g. 0-5 or 0,2,4.") var seenClasses = "0-5"
    @Option(help: "Share of the unlabelled images drawn from unseen classes, in [0, 1].") var mismatch = 0.0
    @Option(help: "Seen-class validation images.") var validation = 5_000
    @Option(help: "Epochs in all (a resumed run continues up to this count).") var epochs = 10
    @OptionGroup var runFolder: RunFolderOptions
    @Option(help: "Seed of the split, the initialisation and the batch orders.") var seed: UInt64 = 0
    @Option(help: "Labelled images per step.") var labelledBatch = 50
    @Option(help: "Unlabelled images per step.") var unlabelledBatch = 50
    @Option(help: "Adam's learning rate for the classifier.") var learningRate = 3e-4
    @Option(help: "DS3L: Adam's learning rate for the weight network.") var weightLearningRate = 6e-5
    @Option(help: "λ_max of the unlabelled term (default: the method's reference value: Π 20, pseudo-label 1, VAT 0.3, DS3L 10).")
    var rampMaximum: Double?
    @Option(help: "VAT's perturbation norm ε, in standardised pixels (default 6, realistic-ssl-evaluation's for CIFAR-10).")
    var vatEpsilon: Double?
    @Option(help: """
      Steps over which λ ramps up, λ_max · exp(−5 (1 − t/T)²) (default 800: 40 % of 5 epochs of 400 steps, as \
      realistic-ssl-evaluation ramps over 200,000 of its 500,000 steps).
      """)
    var rampSteps = 800

    func validate() throws {
      guard epochs > 0, labels > 0, labelledBatch > 0, unlabelledBatch > 0, unlabelled > 0 else {
        throw ValidationError("--epochs, --labels, --unlabelled, --labelled-batch and --unlabelled-batch must be positive")
      }
      for (flag, rate) in [("--learning-rate", learningRate), ("--weight-learning-rate", weightLearningRate)]
      where !(rate > 0 && rate.isFinite) {
        throw ValidationError("\(flag) must be positive and finite; got \(rate)")
      }
      if let rampMaximum, !(rampMaximum >= 0 && rampMaximum.isFinite) {
        throw ValidationError("--ramp-maximum must be 0 or more and finite; got \(rampMaximum)")
      }
      guard (0...1).contains(mismatch) else {
        throw ValidationError("--mismatch must lie in [0, 1] (the share of unlabelled images from unseen classes); got \(mismatch)")
      }
      if let vatEpsilon, !(vatEpsilon > 0 && vatEpsilon.isFinite) { throw ValidationError("--vat-epsilon must be positive and finite; got \(vatEpsilon)") }
      guard rampSteps >= 0 else { throw ValidationError("--ramp-steps must be 0 (no ramp) or positive; got \(rampSteps)") }
      if let negativeSampling, !(0..<1).contains(negativeSampling) || negativeSampling == 0 {
        throw ValidationError("--negative-sampling must lie in (0, 1); got \(negativeSampling)")
      }
      guard validation >= 0 else { throw ValidationError("--validation must be 0 or more") }
      _ = try classes
    }

    /// `--seen-classes` as class indices.
    var classes: [Int] {
      get throws {
        let parts = seenClasses.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var result: [Int] = []
        for part in parts {
          let bounds = part.split(separator: "-").map { Int($0) }
          guard bounds.count == 1 || bounds.count == 2, let low = bounds.first ?? nil, let high = bounds.last ?? nil,
            low >= 0, low <= high
          else {
            throw ValidationError("--seen-classes takes class indices like 0-5 or 0,2,4; got '\(seenClasses)'")
          }
          result += Array(low...high)
        }
        guard !result.isEmpty else { throw ValidationError("--seen-classes is empty: name the classes the labels come from, e.g. 0-5") }
        return result
      }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      var run = SemiSupervisedRun(method: method, rampWarmupSteps: rampSteps)
      run.negativeSampling = negativeSampling
      run.dataset = dataset
      run.labels = labels
      run.unlabelled = unlabelled
      run.seenClasses = try classes
      run.mismatch = mismatch
      run.validation = validation
      run.seed = seed
      run.labelledBatch = labelledBatch
      run.unlabelledBatch = unlabelledBatch
      run.learningRate = learningRate
      run.weightLearningRate = weightLearningRate
      run.rampMaximum = rampMaximum
      run.vatEpsilon = vatEpsilon
      var parameters = SemiSupervisedTrainingParameters(run: run, epochs: epochs, out: runFolder.out)
      parameters.resume = runFolder.resume
      let (metrics, folder, files) = try parameters.train()
      print(
        String(
          format: "%@: test accuracy %.4f at the best validation epoch (%d, validation %.4f), %.4f after epoch %d  %d steps  %.0f s",
          method.rawValue, metrics.testAccuracyAtBestValidation, metrics.bestValidationEpoch,
          metrics.bestValidationAccuracy, metrics.final.accuracy, metrics.epochs, metrics.steps, metrics.seconds))
      if let seen = metrics.final.meanWeightSeen {
        print(String(format: "mean weight: seen classes %.4f, unseen %@", seen, metrics.final.meanWeightUnseen.map { String(format: "%.4f", $0) } ?? "–"))
      }
      printWrote(folder, files)
    }
  }

  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval", abstract: "Score a trained run on its split's seen-class test images (accuracy, ECE, NLL; DS3L's weights).")

    @Option(help: "Run folder (or model.safetensors) written by `ssl train`.") var checkpoint: String
    @Option(help: "DS3L: also write the histogram of its weights on seen- and unseen-class unlabelled images to this PNG.")
    var weightsFigure: String?
    @OptionGroup var output: JSONOutputOption

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let evaluation = try SemiSupervisedEvaluation(checkpoint: checkpoint)
      let scores = evaluation.scores
      if let weightsFigure {
        guard let figure = evaluation.weightHistogram() else {
          throw ValidationError("--weights-figure needs a DS3L run; \(checkpoint) is \(evaluation.run.method.rawValue)")
        }
        try figure.write(to: URL(fileURLWithPath: weightsFigure))
        if !output.json { print("wrote \(weightsFigure)") }
      }
      if output.json { return print(jsonLine(scores)) }
      print(
        String(
          format: "%@: test accuracy %.4f  ECE %.4f  NLL %.4f  validation accuracy %.4f  (%d test images)",
          evaluation.run.method.rawValue, scores.accuracy, scores.ece, scores.nll, scores.validationAccuracy, scores.testImages))
      if let seen = scores.meanWeightSeen {
        print(String(format: "mean weight: seen classes %.4f, unseen %@", seen, scores.meanWeightUnseen.map { String(format: "%.4f", $0) } ?? "–"))
      }
    }
  }

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "A Markdown table (mean ± std over seeds) of `ssl train` runs, and accuracy against mismatch as a figure.")

    @Argument(help: "Run folders.") var runs: [String]
    @Option(help: "Also write accuracy against the mismatch share, one line per method, to this PNG.") var figure: String?
    @Option(help: "Also write the runs as JSON rows to this file.") var json: String?

    func run() throws {
      let report = try SemiSupervisedReport(folders: runs)
      print(report.markdown)
      if let json {
        try writeJSON(report.rows, to: URL(fileURLWithPath: json))
        print("wrote \(json)")
      }
      if let figure {
        try report.figure(title: "Seen-class test accuracy against class mismatch").write(to: URL(fileURLWithPath: figure))
        print("wrote \(figure)")
      }
    }
  }
}
