import ArgumentParser
import Experiments
import Foundation
import Torch

extension LabelAugmentationMethod: ExpressibleByArgument {}
extension LabelAugmentationInference: ExpressibleByArgument {}

struct SelfSupervisedCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "selfsup",
    abstract: "Self-supervision from rotations: SLA's label augmentation against its baselines, and the shortcut-removing lens.",
    subcommands: [Train.self, Evaluate.self, Report.self, Pretext.self, Probe.self, LensReport.self])
}

extension SelfSupervisedCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train baseline, DA, MT, SLA or SLA+SD on Fashion-MNIST; writes model.safetensors, curve.csv and metrics.json.",
      discussion: """
        Every batch holds each image in four rotations (0°, 90°, 180°, 270°): the baseline trains on the unrotated \
        copy, DA on all four with the image's class, MT adds a rotation head, SLA (Lee et al., ICML 2020) predicts the \
        joint label (class, rotation), SLA+SD adds a distilled head. metrics.json has the test accuracy of every \
        inference the method answers (SI and AG for SLA, SD too for sla-sd). Ctrl-C or SIGTERM saves mid-epoch; \
        --resume continues exactly.
        """)

    @Option(help: "baseline, da, mt, sla or sla-sd.") var method: LabelAugmentationMethod
    @Option(help: "Training images per class, drawn by --seed (default: the full 60,000).") var perClass: Int?
    @Option(help: "Epochs in all (a resumed run continues up to this count).") var epochs = 10
    @Option(help: "Epochs between checkpoints and learning-curve points.") var checkpointEvery = 1
    @OptionGroup var runFolder: RunFolderOptions
    @Option(help: "Seed of the subset, the initialisation and the batch orders.") var seed: UInt64 = 0
    @Option(help: "Images per step (each in four rotations).") var batchSize = 64
    @Option(help: "Adam's learning rate.") var learningRate = 1e-3
    @Option(help: "Test images the learning curve scores at each checkpoint.") var curveImages = 2_000
    @Option(help: "Score only the first N test images in metrics.json (default: all 10,000).") var testSubset: Int?

    func validate() throws {
      guard epochs > 0, checkpointEvery > 0, batchSize > 0, curveImages > 0 else {
        throw ValidationError("--epochs, --checkpoint-every, --batch-size and --curve-images must be positive")
      }
      if let perClass, perClass <= 0 { throw ValidationError("--per-class must be positive; got \(perClass)") }
      guard learningRate > 0, learningRate.isFinite else {
        throw ValidationError("--learning-rate must be positive and finite; got \(learningRate)")
      }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      var run = LabelAugmentationRun(method: method)
      run.perClass = perClass
      run.seed = seed
      run.batchSize = batchSize
      run.learningRate = learningRate
      var parameters = LabelAugmentationTrainingParameters(
        run: run, epochs: epochs, checkpointEvery: checkpointEvery, out: runFolder.out)
      parameters.resume = runFolder.resume
      parameters.curveImages = curveImages
      parameters.testSubset = testSubset
      let (metrics, folder, files) = try parameters.train()
      let scores = metrics.scores.map { String(format: "%@ %.4f", $0.inference.rawValue, $0.accuracy) }
      print(
        "\(method.rawValue): test accuracy " + scores.joined(separator: ", ")
          + String(format: "  %d epochs, %d steps  %.0f s", metrics.epochs, metrics.steps, metrics.seconds))
      printWrote(folder, files)
    }
  }

  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval", abstract: "Score a trained run on the 10,000 Fashion-MNIST test images (accuracy, ECE, NLL).")

    @Option(help: "Run folder (or model.safetensors) written by `selfsup train`.") var checkpoint: String
    @Option(help: "si, ag or sd (SLA runs; default: every inference the run answers).") var inference: LabelAugmentationInference?
    @Option(help: "Score only the first N test images (default: all 10,000).") var testSubset: Int?
    @OptionGroup var output: JSONOutputOption

    func validate() throws {
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive; got \(testSubset)") }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let evaluation = try LabelAugmentationEvaluation(checkpoint: checkpoint, inference: inference, testSubset: testSubset)
      if output.json { return print(jsonLine(evaluation.scores)) }
      for score in evaluation.scores {
        print(
          String(
            format: "%@ %@: test accuracy %.4f  ECE %.4f  NLL %.4f", evaluation.run.method.rawValue,
            score.inference.rawValue, score.accuracy, score.ece, score.nll))
      }
    }
  }

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "A Markdown table (mean ± std over seeds) of `selfsup train` runs, one row per method and inference.")

    @Argument(help: "Run folders.") var runs: [String]
    @Option(help: "Also write the runs as JSON rows to this file.") var json: String?
    @Option(help: "Also draw the mean ± std test accuracy of each method and inference to this PNG.") var figure: String?

    func run() throws {
      let report = try LabelAugmentationReport(folders: runs)
      print(report.markdown)
      try writeRows(report.rows, to: json)
      if let figure {
        try report.figure(title: "Fashion-MNIST test accuracy, mean ± std over seeds").write(to: URL(fileURLWithPath: figure))
        print("wrote \(figure)")
      }
    }
  }
}
