import Datasets
import Foundation
import ImageData
import NN
import SemiSupervised
import Torch
import Training

/// FlowGMM's variants on `ssl train` (issue 34).
public enum FlowGMMMethod: String, CaseIterable, Codable, Sendable {
  case flowGMM = "flowgmm"
  /// FlowGMM with the consistency term between two augmented views, ramped up linearly.
  case flowGMMCons = "flowgmm-cons"
}

/// Everything that defines a FlowGMM run; saved as JSON in its checkpoint, so a resumed run and
/// `ssl eval` rebuild the same data, flow and prior. The step count is not part of it.
///
/// `unlabelled` 0 trains the same flow on the labels alone (FlowGMM's labelled term only): the
/// labels-only baseline of the experiments.
///
/// Two moons follow the official notebook (experiments/synthetic_data/synthetic.ipynb, as
/// issue 34 reads it): 1,000 points with noise 0.05, 5 labels a class, the tabular RealNVP of
/// 5 couplings with 512-unit layers, Adam at 10⁻⁴ with weight decay 10⁻², means at
/// (±3.5, ±3.5), each batch all 10 labels beside as many unlabelled points. Images (MNIST's
/// 5,000 digits or Fashion-MNIST, 28×28 in [0, 1]) use a RealNVP sized for one CPU core (see
/// `FlowGMMRun.imageDefaults`) with means drawn as N(0, I) · r in the 784-dimensional latent
/// space (the official `random` means); labelled and unlabelled images are split as
/// `SemiSupervisedSplit` draws them, with every class seen and no validation set.
public struct FlowGMMRun: Codable, Equatable, Sendable {
  public var method: FlowGMMMethod
  public var dataset: SemiSupervisedDataset
  /// Labelled examples in all, the same number from every class.
  public var labels: Int
  /// Unlabelled examples (0: the labels-only flow).
  public var unlabelled: Int
  /// Seeds the data, the initialisation, the means and the batches.
  public var seed: UInt64 = 0
  public var labelledBatch: Int
  public var unlabelledBatch: Int
  /// Adam's learning rate and (L2, `torch.optim.Adam`'s) weight decay.
  public var learningRate: Double
  public var weightDecay: Double
  /// The official trainers' gradient-norm clip (100); nil: none.
  public var maxGradNorm: Double? = 100
  /// w_u of the unlabelled term.
  public var unlabelledWeight = 1.0
  /// λ of FlowGMM's labelled cross-entropy term (the official image trainer's `--label_weight`).
  public var labelWeight: Double
  /// FlowGMM-cons: the consistency term's maximum weight and the steps of its linear ramp.
  public var consistencyWeight = 1.0
  public var consistencyRampSteps = 800
  /// Hidden units (tabular) or channels (images) of the coupling networks.
  public var hidden: Int
  /// Tabular: the couplings. Images: ignored (RealNVP's layout fixes them per scale).
  public var couplings = 5
  /// Images: RealNVP's scales and the residual blocks of each coupling network.
  public var scales = 2
  public var blocks = 1
  /// Two moons: the means sit at (±r, ±r). Images: μ_k = r ε_k, ε_k ~ N(0, I).
  public var meansRadius: Double
  /// Two moons: training points, their noise and the test points.
  public var points = 1_000
  public var noise = 0.05
  public var testPoints = 1_000

  /// A run of `method` on `dataset` with that data's defaults (the notebook's for two moons,
  /// the CPU-sized flow's for images).
  public init(method: FlowGMMMethod, dataset: SemiSupervisedDataset) {
    self.method = method
    self.dataset = dataset
    switch dataset {
    case .twoMoons:
      labels = 10
      unlabelled = 990
      labelledBatch = 10
      unlabelledBatch = 10
      learningRate = 1e-4
      weightDecay = 1e-2
      hidden = 512
      meansRadius = 3.5
      labelWeight = 0
    case .fashionMNIST, .mnist:
      labels = 100
      unlabelled = 3_000
      labelledBatch = 32
      unlabelledBatch = 32
      learningRate = 1e-3
      weightDecay = 0
      hidden = 16
      meansRadius = 1
      labelWeight = 30
    }
  }

  /// The run as one line of JSON with sorted keys.
  public var json: String { jsonLine(self) }

  /// The run saved in a checkpoint's config, or nil if the text is not a FlowGMM run.
  public static func decode(_ json: String) -> FlowGMMRun? {
    try? JSONDecoder().decode(FlowGMMRun.self, from: Data(json.utf8))
  }

  /// The FlowGMM run saved in the checkpoint at `path` (a run folder or its model.safetensors),
  /// or nil when there is no checkpoint there or it holds another kind of run.
  public static func saved(at path: String) -> FlowGMMRun? {
    let url = runCheckpoint(at: path)
    guard FileManager.default.fileExists(atPath: url.path), let config = (try? Checkpoint.info(at: url))?.config else {
      return nil
    }
    return decode(config)
  }

  /// The name of the run's method in tables: the method, or "flow-labels-only" without unlabelled data.
  public var name: String { unlabelled == 0 ? "flow-labels-only" : method.rawValue }

  public var title: String {
    switch (method, unlabelled) {
    case (_, 0): "Flow on the labels only"
    case (.flowGMM, _): "FlowGMM"
    case (.flowGMMCons, _): "FlowGMM-cons"
    }
  }

  public var isImages: Bool { dataset != .twoMoons }

  /// Classes of the data: 2 for two moons, 10 for the image sets.
  public var classes: Int { isImages ? 10 : 2 }

  /// The shape of one example: [2] or [1, 28, 28].
  public var exampleShape: [Int] { isImages ? [1, 28, 28] : [2] }

  /// Why the run cannot train, as one line that says what to change, or nil.
  public var problem: String? {
    if labels <= 0 || labels % classes != 0 {
      return "--labels must be a positive multiple of the \(classes) classes of \(dataset.rawValue); got \(labels)"
    }
    if unlabelled < 0 { return "--unlabelled must be 0 (the labels-only flow) or more; got \(unlabelled)" }
    if labelledBatch <= 0 || unlabelledBatch <= 0 { return "--labelled-batch and --unlabelled-batch must be positive" }
    if dataset == .twoMoons, labels + unlabelled > points {
      return "\(labels) labels and \(unlabelled) unlabelled points need more than the \(points) two-moons points: ask for at most \(points - labels) unlabelled"
    }
    if isImages, scales < 1 || scales > 2 {
      return "28×28 images allow 1 or 2 RealNVP scales (each scale but the last halves the side); got \(scales)"
    }
    if hidden <= 0 { return "--hidden must be positive; got \(hidden)" }
    if couplings <= 0 || blocks <= 0 { return "a flow needs at least one coupling and one block; got \(couplings) and \(blocks)" }
    if method == .flowGMMCons, !isImages {
      return "flowgmm-cons needs images (its views are random translations): use --dataset mnist or fashion-mnist"
    }
    return nil
  }

  // MARK: Data

  /// The run's examples as the flow sees them: two-moons coordinates, or images in [0, 1].
  public struct Examples {
    public let labelledPoints: Tensor
    public let labelledLabels: Tensor
    public let unlabelledPoints: Tensor
    public let testPoints: Tensor
    public let testLabels: Tensor
  }

  /// Draws the run's data (seeded by `seed`), from `make data`'s folder or `directory` for images.
  public func data(directory: URL? = nil) throws -> Examples {
    if let problem { throw ExperimentError(problem) }
    guard isImages else { return twoMoonsData() }
    let (train, test) = try dataset.load(directory: directory)
    do {
      let split = try SemiSupervisedSplit(
        train: train, test: test, seenClasses: Array(0..<classes), labels: labels, unlabelled: unlabelled, mismatch: 0,
        validation: 0, seed: seed)
      return Examples(
        labelledPoints: split.labelled.images, labelledLabels: split.labelled.labels,
        unlabelledPoints: split.unlabelled.images, testPoints: split.test.images, testLabels: split.test.labels)
    } catch let error as SemiSupervisedSplitError {
      throw ExperimentError("\(dataset.rawValue): \(error)")
    }
  }

  /// `points` two-moons points of which `labels / 2` a class are labelled and `unlabelled` of
  /// the rest unlabelled (seeded shuffles of our own), and `testPoints` fresh points.
  func twoMoonsData() -> Examples {
    let train = TwoMoons(count: points, noise: noise, seed: seed)
    let test = TwoMoons(count: testPoints, noise: noise, seed: seed &+ 100)
    let classOf = train.labels.toArray(Int.self)
    var labelledRows: [Int] = []
    var rest: [Int] = []
    for c in 0..<classes {
      let rows = classOf.indices.filter { classOf[$0] == c }
      let order = seededPermutation(rows.count, seed: seed &* 31 &+ UInt64(c)).map { rows[$0] }
      labelledRows += order.prefix(labels / classes)
      rest += order.dropFirst(labels / classes)
    }
    let unlabelledRows = seededPermutation(rest.count, seed: seed &+ 17).prefix(unlabelled).map { rest[$0] }
    let pick = { (rows: [Int]) in Tensor(rows.map { Int64($0) }, shape: [rows.count]) }
    return Examples(
      labelledPoints: train.points.indexSelect(dim: 0, index: pick(labelledRows)),
      labelledLabels: train.labels.indexSelect(dim: 0, index: pick(labelledRows)),
      unlabelledPoints: unlabelledRows.isEmpty
        ? Tensor.zeros([0, 2]) : train.points.indexSelect(dim: 0, index: pick(unlabelledRows)),
      testPoints: test.points, testLabels: test.labels)
  }

  /// Step `step`'s batch (the loop has seeded libtorch's generator for it): `labelledBatch`
  /// distinct labelled examples (all of them when there are no more) and `unlabelledBatch`
  /// unlabelled ones drawn with replacement (none for the labels-only flow).
  public func batch(_ data: Examples) -> SemiSupervisedBatch {
    let count = data.labelledPoints.size(0)
    let labelledRows = Tensor.randperm(count)[0..<Swift.min(labelledBatch, count)]
    let unlabelledCount = data.unlabelledPoints.size(0)
    let unlabelled =
      unlabelledCount == 0
      ? data.unlabelledPoints
      : data.unlabelledPoints.indexSelect(dim: 0, index: Tensor.randint(0, unlabelledCount, [unlabelledBatch]))
    return SemiSupervisedBatch(
      labelled: LabelledBatch(
        x: data.labelledPoints.indexSelect(dim: 0, index: labelledRows),
        labels: data.labelledLabels.indexSelect(dim: 0, index: labelledRows)),
      unlabelled: unlabelled)
  }

  // MARK: Model

  /// The CPU-sized image flow of the experiments: RealNVP on 28×28 images with 2 scales (3
  /// checkerboard couplings, a squeeze, 3 channel-wise couplings and a factor-out at 28×28,
  /// then 4 checkerboard couplings at 14×14), coupling networks of one residual block with
  /// `hidden` = 16 channels at the first scale and 32 at the second (64 in its channel-wise
  /// couplings), the logit transform with dequantisation. The official image model is a
  /// RealNVP with ResNet couplings of 64 channels and 8 blocks.
  public static let imageDefaults = (scales: 2, hidden: 16, blocks: 1)

  /// An untrained FlowGMM of this run, initialised (means included) from `seed`.
  public func makeModel() -> FlowGMM {
    Torch.manualSeed(seed)
    let flow: any InvertibleLayer
    let means: Tensor
    if isImages {
      flow = RealNVP(channels: 1, scales: scales, hidden: hidden, blocks: blocks)
      means = GaussianMixturePrior.randomMeans(classes: classes, dimensions: 784, r: meansRadius)
    } else {
      flow = RealNVPTabular(features: 2, couplings: couplings, hidden: hidden, hiddenLayers: 1)
      means = GaussianMixturePrior.twoMoonsMeans(r: meansRadius)
    }
    let consistency =
      method == .flowGMMCons
      ? FlowGMMConsistency(
        augment: { Self.randomTranslation($0, by: 4) }, ramp: LinearRampUp(maximum: consistencyWeight, steps: consistencyRampSteps))
      : nil
    return FlowGMM(
      flow: flow, prior: GaussianMixturePrior(means: means), latentShape: exampleShape,
      unlabelledWeight: unlabelled == 0 ? 0 : unlabelledWeight, labelWeight: labelWeight, consistency: consistency, maxGradNorm: maxGradNorm)
  }

  public func makeOptimizers(for model: FlowGMM) -> Optimizers {
    Optimizers(Adam(model.parameters(), learningRate: learningRate, weightDecay: weightDecay))
  }

  /// Each image shifted by its own random offset of up to `shift` pixels in each direction,
  /// the space left by the shift filled with zeros: a random 28×28 crop of the image padded by
  /// `shift`, the official FlowGMM-cons MNIST views (train_semisup_cons.py,
  /// `transforms.RandomCrop(28, padding=4)` drawn twice).
  static func randomTranslation(_ images: Tensor, by shift: Int) -> Tensor {
    let (n, h, w) = (images.size(0), images.size(2), images.size(3))
    let padded = pad(images, [shift, shift, shift, shift])
    let offsets = Tensor.randint(0, 2 * shift + 1, [n, 2]).toArray(Int.self)
    return Tensor.cat((0..<n).map { i in
      padded[i..<(i + 1)].slice(dim: 2, start: offsets[2 * i], end: offsets[2 * i] + h)
        .slice(dim: 3, start: offsets[2 * i + 1], end: offsets[2 * i + 1] + w)
    })
  }
}
