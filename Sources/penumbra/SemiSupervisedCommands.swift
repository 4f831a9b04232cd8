import ArgumentParser
import Experiments
import Foundation
import Torch

extension SemiSupervisedMethod: ExpressibleByArgument {}
extension SemiSupervisedDataset: ExpressibleByArgument {}

/// `ssl train --method`: a method of the class-mismatch comparison or a FlowGMM variant.
enum SemiSupervisedMethodChoice: ExpressibleByArgument, Equatable {
  case mismatch(SemiSupervisedMethod)
  case flow(FlowGMMMethod)

  init?(argument: String) {
    if let method = SemiSupervisedMethod(rawValue: argument) {
      self = .mismatch(method)
    } else if let method = FlowGMMMethod(rawValue: argument) {
      self = .flow(method)
    } else {
      return nil
    }
  }

  static var allValueStrings: [String] {
    SemiSupervisedMethod.allCases.map(\.rawValue) + FlowGMMMethod.allCases.map(\.rawValue)
  }

  var name: String {
    switch self {
    case .mismatch(let method): method.rawValue
    case .flow(let method): method.rawValue
    }
  }
}

struct SemiSupervisedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ssl",
    abstract: "Semi-supervised learning: DS3L, NS3L and their baselines when the unlabelled data holds unseen classes; FlowGMM.",
    subcommands: [Train.self, Evaluate.self, Report.self, Baselines.self])
}

extension SemiSupervisedCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train supervised, Π-model, pseudo-label, VAT or DS3L on a class-mismatch split, or FlowGMM; writes model.safetensors, curve.csv and metrics.json.",
      discussion: """
        The split follows guolz-ml/DS3L: --labels balanced over the seen classes, --unlabelled images of which a \
        share --mismatch comes from the other classes, --validation seen-class images; the test set is the seen \
        classes' test images. An epoch is one pass over the unlabelled set. Validation and test accuracy are scored \
        after every epoch; metrics.json reports the test accuracy at the best validation epoch. Ctrl-C or SIGTERM \
        saves mid-epoch; --resume continues exactly.

        FlowGMM (Izmailov et al. 2020; flowgmm, or flowgmm-cons with its consistency term between two randomly \
        translated views) trains for --steps on --dataset two-moons, mnist or fashion-mnist with --labels over all \
        classes and --unlabelled examples (0: the same flow on the labels only). Its defaults are the data's: two \
        moons as the official notebook (10 labels, 990 unlabelled, 5 couplings of 512 units, Adam 1e-4 with weight \
        decay 1e-2); images a RealNVP sized for one CPU core (2 scales, 16 hidden channels, 1 block; 100 labels, \
        3,000 unlabelled, Adam 1e-3, batches of 32 + 32, label weight 30). It also writes regions.png (two moons) or samples.png.
        """)

    @Option(help: "supervised, pi, pseudo-label, vat, ds3l, flowgmm or flowgmm-cons.") var method: SemiSupervisedMethodChoice
    @Option(help: "Add NS3L's negative-sampling term with threshold T (0.04 for 10 classes in the NS3L code).")
    var negativeSampling: Double?
    @Option(help: "fashion-mnist, mnist (the 5,000 digits of `make data`) or two-moons (FlowGMM only).")
    var dataset: SemiSupervisedDataset = .fashionMNIST
    @Option(help: "Labelled examples, the same number from every seen class (default 60; FlowGMM: 10 on two moons, 100 on images).")
    var labels: Int?
    @Option(help: "Unlabelled examples (default 20,000; FlowGMM: 990 on two moons, 3,000 on images, 0 for the labels-only flow).")
    var unlabelled: Int?
    @Option(help: "Seen classes: a range or a comma-separated list, e.g. 0-5 or 0,2,4.") var seenClasses = "0-5"
    @Option(help: "Share of the unlabelled images drawn from unseen classes, in [0, 1].") var mismatch = 0.0
    @Option(help: "Seen-class validation images.") var validation = 5_000
    @Option(help: "Epochs in all (a resumed run continues up to this count; default 10). Not for FlowGMM, which counts --steps.")
    var epochs: Int?
    @Option(help: "FlowGMM: optimiser steps in all (a resumed run continues up to this count; default 2,000).") var steps: Int?
    @Option(help: "FlowGMM: steps between checkpoints and test-accuracy points of curve.csv (default a tenth of --steps).")
    var evaluateEvery: Int?
    @OptionGroup var runFolder: RunFolderOptions
    @Option(help: "Seed of the split, the initialisation and the batch orders.") var seed: UInt64 = 0
    @Option(help: "Labelled examples per step (default 50; FlowGMM: 10 on two moons, 32 on images).") var labelledBatch: Int?
    @Option(help: "Unlabelled examples per step (default 50; FlowGMM: 10 on two moons, 32 on images).") var unlabelledBatch: Int?
    @Option(help: "Adam's learning rate for the classifier (default 3e-4; FlowGMM: 1e-4 on two moons, 1e-3 on images).")
    var learningRate: Double?
    @Option(help: "FlowGMM: Adam's (L2) weight decay (default 1e-2 on two moons, 0 on images).") var weightDecay: Double?
    @Option(help: "FlowGMM: clip the gradient norm at this value (default 100, the official trainers'); 0: no clipping.")
    var maxGradNorm = 100.0
    @Option(help: "FlowGMM: hidden units (two moons) or channels (images) of the coupling networks (default 512 / 16).")
    var hidden: Int?
    @Option(help: "FlowGMM-cons: the consistency term's weight after its linear ramp over --ramp-steps.") var consistencyWeight = 1.0
    @Option(help: """
      FlowGMM: weight of an extra cross-entropy of the labelled examples' class posterior, the official image \
      trainer's --label_weight (default 0 on two moons, the paper's loss; 30 on images, ten times the official MNIST command's 3, for a CPU budget).
      """)
    var labelWeight: Double?
    @OptionGroup var output: JSONOutputOption
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
      for (flag, rate) in [("--learning-rate", learningRate ?? 3e-4), ("--weight-learning-rate", weightLearningRate)]
      where !(rate > 0 && rate.isFinite) {
        throw ValidationError("\(flag) must be positive and finite; got \(rate)")
      }
      if case .flow = method { return try validateFlow() }
      if steps != nil || evaluateEvery != nil || weightDecay != nil || hidden != nil {
        throw ValidationError("--steps, --evaluate-every, --weight-decay and --hidden are FlowGMM's: \(method.name) trains for --epochs")
      }
      guard dataset != .twoMoons else {
        throw ValidationError("--dataset two-moons is for --method flowgmm: \(method.name) trains on images (fashion-mnist or mnist)")
      }
      guard (epochs ?? 1) > 0, (labels ?? 1) > 0, (labelledBatch ?? 1) > 0, (unlabelledBatch ?? 1) > 0, (unlabelled ?? 1) > 0 else {
        throw ValidationError("--epochs, --labels, --unlabelled, --labelled-batch and --unlabelled-batch must be positive")
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

    /// FlowGMM's flags: the class-mismatch methods' own are refused rather than ignored.
    func validateFlow() throws {
      if epochs != nil { throw ValidationError("FlowGMM trains for --steps, not --epochs") }
      if negativeSampling != nil || vatEpsilon != nil || rampMaximum != nil || mismatch != 0 || seenClasses != "0-5" {
        throw ValidationError(
          "--negative-sampling, --vat-epsilon, --ramp-maximum, --mismatch and --seen-classes are not FlowGMM's: it uses every class")
      }
      guard (steps ?? 1) > 0, (evaluateEvery ?? 1) > 0 else { throw ValidationError("--steps and --evaluate-every must be positive") }
      if let weightDecay, !(weightDecay >= 0 && weightDecay.isFinite) {
        throw ValidationError("--weight-decay must be 0 or more and finite; got \(weightDecay)")
      }
      guard maxGradNorm >= 0, maxGradNorm.isFinite else {
        throw ValidationError("--max-grad-norm must be 0 (no clipping) or positive and finite; got \(maxGradNorm)")
      }
      if let labelWeight, !(labelWeight >= 0 && labelWeight.isFinite) {
        throw ValidationError("--label-weight must be 0 or more and finite; got \(labelWeight)")
      }
      guard consistencyWeight >= 0, consistencyWeight.isFinite else {
        throw ValidationError("--consistency-weight must be 0 or more and finite; got \(consistencyWeight)")
      }
      guard rampSteps >= 0 else { throw ValidationError("--ramp-steps must be 0 (no ramp) or positive; got \(rampSteps)") }
      if let problem = try flowRun().problem { throw ValidationError(problem) }
    }

    /// The FlowGMM run the flags ask for: the data's defaults, overridden by the flags given.
    func flowRun() throws -> FlowGMMRun {
      guard case .flow(let flowMethod) = method else { throw ValidationError("\(method.name) is not a FlowGMM method") }
      var run = FlowGMMRun(method: flowMethod, dataset: dataset)
      run.seed = seed
      if let labels { run.labels = labels }
      if let unlabelled { run.unlabelled = unlabelled }
      if let labelledBatch { run.labelledBatch = labelledBatch }
      if let unlabelledBatch { run.unlabelledBatch = unlabelledBatch }
      if let learningRate { run.learningRate = learningRate }
      if let weightDecay { run.weightDecay = weightDecay }
      if let hidden { run.hidden = hidden }
      if let labelWeight { run.labelWeight = labelWeight }
      run.maxGradNorm = maxGradNorm == 0 ? nil : maxGradNorm
      run.consistencyWeight = consistencyWeight
      run.consistencyRampSteps = rampSteps
      return run
    }

    func trainFlow() throws {
      var parameters = FlowGMMTrainingParameters(run: try flowRun(), steps: steps ?? 2_000, out: runFolder.out)
      parameters.resume = runFolder.resume
      parameters.evaluateEvery = evaluateEvery
      let (metrics, folder, files) = try parameters.train()
      if output.json { return print(jsonLine(metrics)) }
      print(
        String(
          format: "%@ on %@: test accuracy %.4f  NLL %.4f nats%@  %d steps  %.0f s", metrics.run.name, metrics.run.dataset.rawValue,
          metrics.final.accuracy, metrics.final.nll, metrics.final.bitsPerDim.map { String(format: " (%.4f bits/dim)", $0) } ?? "",
          metrics.steps, metrics.seconds))
      printWrote(folder, files)
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
      guard case .mismatch(let method) = method else { return try trainFlow() }
      var run = SemiSupervisedRun(method: method, rampWarmupSteps: rampSteps)
      run.negativeSampling = negativeSampling
      run.dataset = dataset
      run.labels = labels ?? 60
      run.unlabelled = unlabelled ?? 20_000
      run.seenClasses = try classes
      run.mismatch = mismatch
      run.validation = validation
      run.seed = seed
      run.labelledBatch = labelledBatch ?? 50
      run.unlabelledBatch = unlabelledBatch ?? 50
      run.learningRate = learningRate ?? 3e-4
      run.weightLearningRate = weightLearningRate
      run.rampMaximum = rampMaximum
      run.vatEpsilon = vatEpsilon
      var parameters = SemiSupervisedTrainingParameters(run: run, epochs: epochs ?? 10, out: runFolder.out)
      parameters.resume = runFolder.resume
      let (metrics, folder, files) = try parameters.train()
      if output.json { return print(jsonLine(metrics)) }
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
      commandName: "eval",
      abstract: "Score a trained run on its split's seen-class test images (accuracy, ECE, NLL; DS3L's weights), or a FlowGMM run (accuracy; images: NLL in bits/dim).")

    @Option(help: "Run folder (or model.safetensors) written by `ssl train`.") var checkpoint: String
    @Option(help: "DS3L: also write the histogram of its weights on seen- and unseen-class unlabelled images to this PNG.")
    var weightsFigure: String?
    @Option(help: """
      FlowGMM: also write its figure to this PNG: on two moons the decision regions, the latent space with the class \
      Gaussians and samples (the paper's Figure 1); on images class-conditional samples, a row a class.
      """)
    var figure: String?
    @Option(help: "FlowGMM on images: the samples' temperature T, z ~ N(μ_k, T²I).") var temperature = 0.5
    @OptionGroup var output: JSONOutputOption

    func validate() throws {
      guard temperature >= 0, temperature.isFinite else { throw ValidationError("--temperature must be 0 or more and finite; got \(temperature)") }
    }

    func evaluateFlow() throws {
      let evaluation = try FlowGMMEvaluation(checkpoint: checkpoint)
      if weightsFigure != nil { throw ValidationError("--weights-figure needs a DS3L run; \(checkpoint) is \(evaluation.run.name)") }
      let scores = evaluation.scores
      if let figure {
        try evaluation.figure(temperature: temperature).write(to: URL(fileURLWithPath: figure))
        if !output.json { print("wrote \(figure)") }
      }
      if output.json { return print(jsonLine(scores)) }
      print(
        String(
          format: "%@ on %@: test accuracy %.4f  NLL %.4f nats%@  (%d test examples)", evaluation.run.name,
          evaluation.run.dataset.rawValue, scores.accuracy, scores.nll,
          scores.bitsPerDim.map { String(format: " (%.4f bits/dim)", $0) } ?? "", scores.testExamples))
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      if FlowGMMRun.saved(at: checkpoint) != nil { return try evaluateFlow() }
      if figure != nil { throw ValidationError("--figure needs a FlowGMM run; \(checkpoint) is not one (use --weights-figure for DS3L)") }
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
      if let separation = scores.unseenAUROCMaxSoftmax {
        print(
          String(
            format: "seen against unseen unlabelled images, AUROC: maximum softmax %.4f%@", separation,
            scores.unseenAUROCWeight.map { String(format: ", DS3L's weight %.4f", $0) } ?? ""))
      }
    }
  }

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "A Markdown table (mean ± std over seeds) of `ssl train` runs, and accuracy against mismatch as a figure; FlowGMM runs get their own table.")

    @Argument(help: "Run folders.") var runs: [String]
    @Option(help: "Also write accuracy against the mismatch share, one line per method, to this PNG.") var figure: String?
    @Option(help: "Also write the runs as JSON rows to this file.") var json: String?

    func run() throws {
      if let first = runs.first, FlowGMMReport.isFlowGMMRun(first) {
        if figure != nil { throw ValidationError("--figure draws the class-mismatch comparison; FlowGMM runs have their own in `ssl eval --figure`") }
        let report = try FlowGMMReport(folders: runs)
        print(report.markdown)
        return try writeRows(report.rows, to: json)
      }
      let report = try SemiSupervisedReport(folders: runs)
      print(report.markdown)
      try writeRows(report.rows, to: json)
      if let figure {
        try report.figure(title: "Seen-class test accuracy against class mismatch").write(to: URL(fileURLWithPath: figure))
        print("wrote \(figure)")
      }
    }
  }
}

extension SemiSupervisedCommand {
  struct Baselines: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "FlowGMM's two-moons baselines on a FlowGMM run's points: an MLP on the labels alone and label spreading.",
      discussion: """
        The same --seed, --labels and --unlabelled as `ssl train --method flowgmm --dataset two-moons` give the same \
        labelled, unlabelled and test points. The MLP (2-512-512-2, ReLU) trains on the labelled points' cross-entropy \
        for --mlp-steps full-batch AdamW steps (learning rate 1e-3, weight decay 1e-2); label spreading (Zhou et al. \
        2003) uses scikit-learn's defaults (RBF kernel, γ 20, α 0.2), solved exactly. Prints both test accuracies.
        """)

    @Option(help: "two-moons (the only data set these baselines run on).") var dataset: SemiSupervisedDataset = .twoMoons
    @Option(help: "Labelled points, the same number from each moon (default 10).") var labels: Int?
    @Option(help: "Unlabelled points (default 990).") var unlabelled: Int?
    @Option(help: "Seed of the points, as `ssl train --seed`.") var seed: UInt64 = 0
    @Option(help: "The MLP's optimiser steps.") var mlpSteps = 1_000
    @Option(help: "Also write the scores to this folder's metrics.json, which `ssl report` reads beside FlowGMM runs.")
    var out: String?
    @OptionGroup var output: JSONOutputOption

    func validate() throws {
      guard dataset == .twoMoons else { throw ValidationError("--dataset must be two-moons: the baselines are FlowGMM's two-moons comparison; got \(dataset.rawValue)") }
      guard mlpSteps > 0 else { throw ValidationError("--mlp-steps must be positive; got \(mlpSteps)") }
      if let problem = points.problem { throw ValidationError(problem) }
    }

    /// A FlowGMM run with these flags: its data are the baselines' points.
    var points: FlowGMMRun {
      var run = FlowGMMRun(method: .flowGMM, dataset: dataset)
      run.seed = seed
      if let labels { run.labels = labels }
      if let unlabelled { run.unlabelled = unlabelled }
      return run
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      var metrics: URL?
      if let out {
        let url = URL(fileURLWithPath: out).appendingPathComponent("metrics.json")
        if FileManager.default.fileExists(atPath: url.path) {
          throw ValidationError("\(out) already holds scores (metrics.json): pass another --out, or delete the file to replace it")
        }
        metrics = url
      }
      let baselines = try TwoMoonsBaselines(run: points, mlpSteps: mlpSteps)
      if let metrics {
        try FileManager.default.createDirectory(at: metrics.deletingLastPathComponent(), withIntermediateDirectories: true)
        try writeJSON(baselines, to: metrics)
      }
      if output.json { return print(jsonLine(baselines)) }
      print(
        String(
          format: "two moons, seed %llu, %d labels, %d unlabelled: MLP on the labels %.4f, label spreading %.4f  (%d test points)",
          baselines.seed, baselines.labels, baselines.unlabelled, baselines.mlpAccuracy, baselines.labelSpreadingAccuracy,
          baselines.testPoints))
      if let metrics { print("wrote \(metrics.path)") }
    }
  }
}

