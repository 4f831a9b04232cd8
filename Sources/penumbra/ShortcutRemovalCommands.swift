import ArgumentParser
import Experiments
import Foundation
import Torch

extension LensChoice: ExpressibleByArgument {}
extension ProbeFeatures: ExpressibleByArgument {}
extension ShortcutChoice: ExpressibleByArgument {}

extension SelfSupervisedCommand {
  struct Pretext: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train the rotation pretext on Fashion-MNIST, with a synthetic shortcut and a lens or not; writes model.safetensors, curve.csv, metrics.json and lens.png.",
      discussion: """
        Automatic shortcut removal (Minderer et al., ICML 2020): a lens L(x) = x + U(x), starting at the identity, \
        is trained against the pretext network F; F predicts each copy's rotation from L(x), the lens minimises \
        λ · mean (x − L(x))² plus an adversarial loss. The shortcut is drawn on every image before its rotation. \
        Score the representation with `selfsup probe`. Ctrl-C or SIGTERM saves mid-epoch; --resume continues exactly.
        """)

    @Option(help: "none, arrow or corner: the mark drawn on every image before its rotation.") var shortcut: ShortcutChoice = .none
    @Option(help: "none, least-likely or adversarial.") var lens: LensChoice = .none
    @Option(help: "λ, the weight of the lens's reconstruction loss mean (x − L(x))² in [0, 1] pixels.") var lensWeight = 100.0
    @Option(help: "Training images (the first of a seeded permutation of the 60,000).") var trainImages = 20_000
    @Option(help: "Epochs in all (a resumed run continues up to this count).") var epochs = 5
    @OptionGroup var runFolder: RunFolderOptions
    @Option(help: "Seed of the subset, the initialisation and the batch orders.") var seed: UInt64 = 0
    @Option(help: "Images per step (each in four rotations).") var batchSize = 64
    @Option(help: "Adam's learning rate for F and the lens.") var learningRate = 1e-3
    @Option(help: "Score only the first N test images in metrics.json (default: all 10,000).") var testSubset: Int?
    @OptionGroup var output: JSONOutputOption

    func validate() throws {
      guard epochs > 0, batchSize > 0, trainImages > 0 else {
        throw ValidationError("--epochs, --batch-size and --train-images must be positive")
      }
      guard lensWeight >= 0, lensWeight.isFinite else { throw ValidationError("--lens-weight must be 0 or more and finite; got \(lensWeight)") }
      guard learningRate > 0, learningRate.isFinite else {
        throw ValidationError("--learning-rate must be positive and finite; got \(learningRate)")
      }
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive; got \(testSubset)") }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      var run = ShortcutRemovalRun(shortcut: shortcut, lens: lens)
      run.lensWeight = lensWeight
      run.trainImages = trainImages
      run.seed = seed
      run.batchSize = batchSize
      run.learningRate = learningRate
      var parameters = ShortcutRemovalTrainingParameters(run: run, epochs: epochs, out: runFolder.out)
      parameters.resume = runFolder.resume
      parameters.testSubset = testSubset
      let (metrics, folder, files) = try parameters.train()
      if output.json { return print(jsonLine(metrics)) }
      print(
        String(
          format: "rotation pretext (%@ shortcut, lens %@): pretext accuracy %.4f  reconstruction MSE %.4f  %d epochs, %d steps  %.0f s",
          shortcut.rawValue, lens.rawValue, metrics.pretextAccuracy, metrics.reconstructionMSE, metrics.epochs, metrics.steps,
          metrics.seconds))
      printWrote(folder, files)
    }
  }

  struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Fit a linear classifier (10 classes) on a pretext run's frozen, standardised features; writes probe.json into the run.")

    @Option(help: "Run folder (or model.safetensors) written by `selfsup pretext`.") var checkpoint: String
    @Option(help: "Epochs of the probe's Adam over the run's training images.") var epochs = 100
    @Option(help: "F's features of L(x) (lensed, written to probe.json), of x (raw, probe-raw.json) or both concatenated (both, probe-both.json).")
    var features: ProbeFeatures = .lensed
    @Option(help: "Score only the first N test images (default: all 10,000).") var testSubset: Int?
    @OptionGroup var output: JSONOutputOption

    func validate() throws {
      guard epochs > 0 else { throw ValidationError("--epochs must be positive; got \(epochs)") }
      if let testSubset, testSubset <= 0 { throw ValidationError("--test-subset must be positive; got \(testSubset)") }
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      let probe = try ShortcutRemovalProbe(checkpoint: checkpoint, epochs: epochs, features: features, testSubset: testSubset)
      if output.json { return print(jsonLine(probe.result)) }
      print(
        String(
          format: "linear probe: test accuracy %.4f (train %.4f) on %d training images", probe.result.probeAccuracy,
          probe.result.probeTrainAccuracy, probe.result.trainImages))
      print("wrote \(probe.file.path)")
    }
  }

  struct LensReport: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "lens-report",
      abstract: "A Markdown table (mean ± std over seeds) of probed `selfsup pretext` runs: pretext and probe accuracy, reconstruction MSE.")

    @Argument(help: "Run folders (each with probe.json).") var runs: [String]
    @Option(help: "Also write the runs as JSON rows to this file.") var json: String?

    func run() throws {
      let report = try ShortcutRemovalReport(folders: runs)
      print(report.markdown)
      try writeRows(report.rows, to: json)
    }
  }
}
