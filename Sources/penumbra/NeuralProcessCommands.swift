import ArgumentParser
import Datasets
import Experiments
import NeuralProcesses
import Torch

struct NeuralProcessCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "np", abstract: "Neural Processes on 1-D functions: train, evaluate, predict.",
    subcommands: [Train.self, Evaluate.self, Predict.self, Report.self])
}

extension NeuralProcessCommand {
  struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train a Neural Process on GP curves; writes model.safetensors, metrics.json and predictions.png.")

    @Option(help: "cnp, np, attncnp or anp.") var model: NeuralProcessKind
    @Option(
      help: """
        Layers of the model: anp-paper (the ANP paper's code) or npf (the Neural Process Family \
        repository's 1-D CNP, LNP, AttnCNP and AttnLNP, the models behind its published scores; \
        use it with --protocol npf to compare with them).
        """)
    var architecture: NeuralProcessArchitecture = .anpPaper
    @Option(help: "Cross-attention of attncnp/anp: uniform, laplace, dot, multihead, transformer (default: multihead for anp-paper, transformer for npf).")
    var attention: AttentionKind?
    @Option(
      name: .customLong("protocol"),
      help: "deepmind (ANP paper) or npf (Neural Process Family benchmark; pair it with --architecture npf for NPF's models).")
    var curveProtocol: CurveProtocol = .deepmind
    @Option(help: "eq, matern52, matern32, periodic or noisy-matern.") var kernel: CurveKernel = .eq
    @Flag(help: "Per-function random hyperparameters (l ~ U[0.1, 0.6], σ_f ~ U[0.1, 1]).") var randomHyperparameters = false
    @Option(help: "Training steps (a resumed run continues up to this count).") var steps = 10_000
    @Option(help: "Seed of the initialisation and of every batch.") var seed: UInt64 = 0
    @OptionGroup var runFolder: RunFolderOptions
    @Option(
      help: """
        Start from the weights of another trained run (its folder or model.safetensors) of the same model; \
        its data and schedule may differ. The optimiser starts afresh; resuming such a run takes the same --init-from.
        """) var initFrom: String?
    @Option(help: "Tasks per batch.") var batchSize = 16
    @Option(help: "Adam learning rate.") var learningRate = 1e-4
    @Option(help: "Divide the learning rate by this factor, exponentially, over the run (NPF: 10).") var learningRateDecay = 1.0
    @Option(help: "Hidden and latent size.") var hidden = 128
    @Option(help: "Floor of the predictive σ (default: the architecture's, 0.1 for anp-paper, 0.01 for npf).") var minimumStd: Double?
    @Option(help: "Steps between checkpoints.") var checkpointEvery = 1000
    @Option(help: "Test tasks scored after training.") var evaluationTasks = 1000
    @Option(help: "Curves: score this many test tasks at every checkpoint into curve.csv and curve.png (0: off).")
    var curveTasks = 0
    @Option(help: "z samples for scoring latent models (default: 32 for np, 8 for anp).") var samples: Int?
    @OptionGroup var latentDraws: LatentDrawOption
    @Option(help: "Train on image completion instead of curves: mnist or fashion-mnist.") var data: ImageSource?
    @Option(help: "Stacked multihead self-attention layers over the context in both paths (images: 2).") var selfAttentionLayers = 0

    func validate() throws {
      guard steps > 0, batchSize > 0, learningRate > 0, hidden > 0, checkpointEvery > 0, evaluationTasks > 0 else {
        throw ValidationError("--steps, --batch-size, --learning-rate, --hidden, --checkpoint-every and --evaluation-tasks must be positive")
      }
      guard curveTasks >= 0 else { throw ValidationError("--curve-tasks must be 0 (off) or positive") }
      let zFrom = latentDraws.zFrom
      if initFrom != nil, data != nil { throw ValidationError("--init-from starts curve runs; image runs (--data) start afresh") }
      if zFrom != .context, data != nil {
        throw ValidationError("--z-from scores curve runs; score an image run with `penumbra np eval --checkpoint DIR --z-from \(zFrom.rawValue)`")
      }
      if curveTasks > 0, data != nil {
        throw ValidationError("--curve-tasks scores curve tasks; image runs (--data) report after training only")
      }
      if let minimumStd, !(minimumStd > 0 && minimumStd < 1) {
        throw ValidationError("--minimum-std must lie in (0, 1); got \(minimumStd)")
      }
      if architecture == .npf {
        guard selfAttentionLayers == 0, data == nil else {
          throw ValidationError("--architecture npf builds NPF's 1-D curve models: it takes neither --data nor --self-attention-layers")
        }
      }
      guard learningRateDecay >= 1 else {
        throw ValidationError("--learning-rate-decay must be at least 1 (1 keeps the rate constant); got \(learningRateDecay)")
      }
      let crossAttention = attention ?? architecture.defaultAttention
      if hidden % 8 != 0 && model.usesCrossAttention && (crossAttention == .multihead || crossAttention == .transformer) {
        throw ValidationError("--hidden must be a multiple of 8 for \(crossAttention.rawValue) attention (8 heads)")
      }
    }

    var parameters: NeuralProcessTrainingParameters {
      var parameters = NeuralProcessTrainingParameters(model: model, out: runFolder.out)
      parameters.architecture = architecture
      parameters.attention = attention
      parameters.curveProtocol = curveProtocol
      parameters.kernel = kernel
      parameters.randomHyperparameters = randomHyperparameters
      parameters.steps = steps
      parameters.seed = seed
      parameters.resume = runFolder.resume
      parameters.initFrom = initFrom
      parameters.batchSize = batchSize
      parameters.learningRate = learningRate
      parameters.learningRateDecay = learningRateDecay
      parameters.hidden = hidden
      parameters.minimumStd = minimumStd
      parameters.checkpointEvery = checkpointEvery
      parameters.evaluationTasks = evaluationTasks
      parameters.curveTasks = curveTasks
      parameters.samples = samples
      parameters.zFrom = latentDraws.zFrom
      parameters.data = data
      parameters.selfAttentionLayers = selfAttentionLayers
      return parameters
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      switch try parameters.train() {
      case .curves(let metrics, let folder, let files):
        let scores = metrics.scores
        print(String(format: "%@  target ll %.3f (GP %.3f)  context ll %.3f (GP %.3f)  %d tasks  %.0f s",
                     metrics.model, scores.targetLL, scores.gpTargetLL ?? .nan, scores.contextLL, scores.gpContextLL ?? .nan,
                     scores.tasks, metrics.seconds))
        printWrote(folder, files)
      case .images(let metrics, let folder, let files):
        for row in metrics.completion {
          print(String(format: "%@  %@ context pixels: target ll %.3f  context ll %.3f  std at observed %.3f", metrics.model,
                       row.context.description, row.scores.targetLL, row.scores.contextLL, row.scores.stdObserved))
        }
        let superResolution = metrics.superResolution
        print(String(format: "%@  super-resolution 14→28: ll %.3f  PSNR %.2f dB (bilinear %.2f dB)", metrics.model,
                     superResolution.targetLL, superResolution.psnr, superResolution.bilinearPSNR))
        printWrote(folder, files)
      }
    }
  }

  struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "eval", abstract: "Score a trained Neural Process (and the GP oracle, on curves) on test tasks.")

    @OptionGroup var checkpoint: NeuralProcessCheckpointOption
    @Option(name: .customLong("protocol"), help: "Protocol of the test tasks (default: the training one).") var curveProtocol: CurveProtocol?
    @Option(help: "Kernel of the test tasks (default: the training one).") var kernel: CurveKernel?
    @Option(help: "JSON Lines tasks file to score instead of generated tasks.") var tasksFile: String?
    @Option(help: "Generated test tasks.") var tasks = 1000
    @Option(help: "z samples for latent models (default: 32 for np, 8 for anp).") var samples: Int?
    @OptionGroup var latentDraws: LatentDrawOption
    @Option(help: "Seed of the generated test tasks.") var seed: UInt64 = 2_024
    @OptionGroup var output: JSONOutputOption
    @Option(help: "Image models: the test set (default: the training one), mnist or fashion-mnist.") var data: ImageSource?
    @Option(
      help: """
        Context points per task: a count (curves: instead of the protocol's random count; images: pixels), \
        or for images top-half, left-half, all.
        """) var contextPoints: ContextPixels?

    var parameters: NeuralProcessEvaluationParameters {
      var parameters = NeuralProcessEvaluationParameters(checkpoint: checkpoint.checkpoint)
      parameters.curveProtocol = curveProtocol
      parameters.kernel = kernel
      parameters.tasksFile = tasksFile
      parameters.tasks = tasks
      parameters.samples = samples
      parameters.zFrom = latentDraws.zFrom
      parameters.seed = seed
      parameters.data = data
      parameters.contextPoints = contextPoints
      return parameters
    }

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      switch try parameters.evaluate() {
      case .curves(let scores):
        if output.json { return print(jsonLine(scores)) }
        let context =
          scores.contextLL.isNaN
          ? "context ll – (no task has context points)"
          : String(format: "context ll %.4f (GP %.4f)", scores.contextLL, scores.gpContextLL ?? .nan)
        print(String(format: "target ll %.4f (GP %.4f)   %@   %d tasks", scores.targetLL, scores.gpTargetLL ?? .nan, context, scores.tasks))
      case .images(let scores, let source, let contextPoints):
        if output.json { return print(jsonLine(scores)) }
        print(String(format: "target ll %.4f   context ll %.4f   std at observed %.4f   %d images (%@, %@ context pixels)",
                     scores.targetLL, scores.contextLL, scores.stdObserved, scores.tasks, source.rawValue, contextPoints.description))
      }
    }
  }

  struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Predict mean and std at query points from your own (x, y) context CSV; writes a CSV and a PNG.")

    @OptionGroup var checkpoint: NeuralProcessCheckpointOption
    @Option(help: "CSV of context points: x,y per line (a header line is allowed); x in [−2, 2], where the models train.") var context: String
    @Option(help: "Query grid as start:end:count, e.g. -2:2:400.") var query = "-2:2:400"
    @Option(help: "Output CSV (x,mean,std); a PNG is written next to it.") var out: String
    @Option(help: "z samples for the predictive moments of latent models.") var samples = 32

    func run() throws {
      Torch.configureThreadsFromEnvironment()
      var parameters = NeuralProcessPredictionParameters(
        checkpoint: checkpoint.checkpoint, context: context, query: try parseGrid(query), out: out)
      parameters.samples = samples
      let (csv, png) = try parameters.predict()
      print("wrote \(csv.path) and \(png.path)")
    }
  }

  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print Markdown tables of training runs (their metrics.json): curves with the NPF benchmark's published scores, images by context size.")

    @Argument(help: "Run folders written by `np train`.") var runs: [String]

    @Option(help: "Also draw the runs' learning curves (target LL on their curve tasks, from curve.csv) on one figure, written to this PNG.")
    var curves: String?

    func run() throws { print(try report()) }

    /// The tables (and the in-training list) as printed; draws the --curves figure on the way.
    func report() throws -> String { try NeuralProcessReport(runs: runs, curves: curves).markdown() }
  }
}

/// "start:end:count" → evenly spaced values.
func parseGrid(_ text: String) throws -> [Double] {
  let parts = text.split(separator: ":").map(String.init)
  guard parts.count == 3, let start = Double(parts[0]), let end = Double(parts[1]), let count = Int(parts[2]), count >= 2, end > start
  else {
    throw UsageError("--query must be start:end:count with start < end and count ≥ 2, e.g. -2:2:400 (got '\(text)')")
  }
  return (0..<count).map { start + (end - start) * Double($0) / Double(count - 1) }
}
