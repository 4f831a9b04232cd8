import Backbones
import Foundation
import ImageData
import NN
import SelfSupervised
import Torch
import Training

/// The lens a rotation-pretext run trains beside F (issue 35, Experiment B).
public enum LensChoice: String, CaseIterable, Codable, Sendable {
  /// No lens: F on the images themselves.
  case none
  /// The least-likely adversary, CE(F(L(x)), argmin_y p(y | L(x))).
  case leastLikely = "least-likely"
  /// The plain adversary, −L_pretext.
  case adversarial

  var adversary: LensAdversary? {
    switch self {
    case .none: nil
    case .leastLikely: .leastLikely
    case .adversarial: .negativePretext
    }
  }
}

/// The synthetic shortcut drawn on every image (before its rotation).
public enum ShortcutChoice: String, CaseIterable, Codable, Sendable {
  case none, arrow, corner

  var shortcut: Shortcut? {
    switch self {
    case .none: nil
    case .arrow: .arrow
    case .corner: .cornerMark
    }
  }
}

/// Everything that defines a shortcut-removal run; saved as JSON in its checkpoint.
///
/// Minderer et al.'s controlled experiment on Fashion-MNIST: the rotation pretext (predict
/// which of 0°, 90°, 180°, 270° an image went through) on images that may carry a synthetic
/// shortcut drawn before the rotation, so that the mark's orientation or position gives the
/// rotation away; F is the DUQ paper's CNN narrowed as in the SLA comparison, the lens a
/// small U-Net (`LensUNet`) starting at the identity. The representation is judged by a
/// linear probe on F's frozen features of L(x) for the ten classes (`selfsup probe`).
/// `trainImages` of the 60,000 (the first ones of a seeded permutation) keep a run to minutes.
public struct ShortcutRemovalRun: Codable, Equatable, Sendable {
  public var shortcut: ShortcutChoice
  public var lens: LensChoice
  /// λ, the weight of the lens's reconstruction term λ · mean (x − L(x))², with x and L(x) in
  /// [0, 1] pixels (the images F sees are standardised, so the objective gets λ · σ², σ the
  /// pixel standard deviation). At 100 the lens removes a white arrow and keeps the image; at
  /// 10 it wrecks it (docs/results.md, issue 35).
  public var lensWeight = 100.0
  public var seed: UInt64 = 0
  public var trainImages = 20_000
  /// Images per step (each in four rotations).
  public var batchSize = 64
  /// Adam's learning rate for F and for the lens.
  public var learningRate = 1e-3
  public var channels = [32, 64, 64]
  public var featureSize = 128

  public init(shortcut: ShortcutChoice, lens: LensChoice) {
    self.shortcut = shortcut
    self.lens = lens
  }

  /// The run as one line of JSON with sorted keys, so equal runs compare equal as text.
  public var json: String { jsonLine(self) }

  /// The run saved in a checkpoint's config, or nil if the text is not one.
  public static func decode(_ json: String) -> ShortcutRemovalRun? {
    try? JSONDecoder().decode(ShortcutRemovalRun.self, from: Data(json.utf8))
  }

  /// Images with the run's shortcut drawn (in [0, 1], white), standardised.
  func prepared(_ set: ImageDataset) -> ImageDataset {
    let marked = shortcut.shortcut.map { $0.draw(on: set.images) } ?? set.images
    return ImageDataset(images: FashionMNISTRun.normalize(marked), labels: set.labels, name: set.name)
  }

  /// The `trainImages` training images and the 10,000 test images, marked and standardised.
  func data(directory: URL? = nil) throws -> (train: ImageDataset, test: ImageDataset) {
    let train = try ImageDataset.fashionMNIST(split: .train, directory: directory)
    guard trainImages <= train.count else {
      throw ExperimentError("--train-images \(trainImages) is more than the \(train.count) training images: ask for fewer")
    }
    guard trainImages >= batchSize else {
      throw ExperimentError("\(trainImages) training images make no batch of \(batchSize): lower --batch-size")
    }
    let rows = Array(seededPermutation(train.count, seed: seed).prefix(trainImages)).sorted()
    return (prepared(train.subset(rows)), prepared(try ImageDataset.fashionMNIST(split: .test, directory: directory)))
  }

  /// An untrained model (the lens, if any, and F), initialised from `seed`.
  func makeModel() -> ShortcutRemovalModel {
    Torch.manualSeed(seed)
    let pretext = PretextNetwork(features: FashionCNN(channels: channels, featureSize: featureSize), featureSize: featureSize)
    guard let adversary = lens.adversary else { return .plain(RotationPredictionObjective(pretext)) }
    let model = LensedPretextModel(lens: ShortcutLens(channels: 1), pretext: pretext)
    return .lensed(AutomaticShortcutRemovalObjective(
      model, reconstructionWeight: lensWeight * FashionMNISTRun.pixelStd * FashionMNISTRun.pixelStd, adversary: adversary))
  }
}

/// A rotation-pretext model with its objective: F alone, or the lens and F.
enum ShortcutRemovalModel {
  case plain(RotationPredictionObjective<FashionCNN>)
  case lensed(AutomaticShortcutRemovalObjective<FashionCNN>)

  var module: Module {
    switch self {
    case .plain(let objective): objective.model
    case .lensed(let objective): objective.model
    }
  }

  /// "pretext" over F's parameters and, with a lens, "lens" over the lens's.
  func optimizers(learningRate: Double) -> Optimizers {
    switch self {
    case .plain(let objective): Optimizers(Adam(objective.model.parameters(), learningRate: learningRate))
    case .lensed(let objective):
      Optimizers([
        NamedOptimizer(name: "pretext", Adam(objective.model.pretext.parameters(), learningRate: learningRate)),
        NamedOptimizer(name: "lens", Adam(objective.model.lens.parameters(), learningRate: learningRate)),
      ])
    }
  }

  /// L(x) (x itself without a lens), 1,000 images at a time, evaluation mode, no gradients.
  func lensed(_ x: Tensor) -> Tensor {
    guard case .lensed(let objective) = self else { return x }
    let lens = objective.model.lens
    let wasTraining = lens.isTraining
    lens.eval()
    defer { lens.train(wasTraining) }
    return withNoGrad {
      Tensor.cat(stride(from: 0, to: x.size(0), by: 1_000).map { lens(x[$0..<Swift.min($0 + 1_000, x.size(0))]) })
    }
  }

  var pretext: PretextNetwork<FashionCNN> {
    switch self {
    case .plain(let objective): objective.model
    case .lensed(let objective): objective.model.pretext
    }
  }

  /// F's features [N, featureSize] of L(x) (of x itself with `lensed: false`), evaluation
  /// mode, no gradients.
  func features(_ x: Tensor, lensed useLens: Bool = true) -> Tensor {
    let f = pretext.features
    let wasTraining = f.isTraining
    f.eval()
    defer { f.train(wasTraining) }
    let lensedImages = useLens ? lensed(x) : x
    return withNoGrad {
      Tensor.cat(stride(from: 0, to: x.size(0), by: 1_000).map { f(lensedImages[$0..<Swift.min($0 + 1_000, x.size(0))]) })
    }
  }

  /// Pretext accuracy of F on L(t_j x) over the four rotations of `images`, and the lens's
  /// reconstruction MSE mean (x − L(x))² on the unrotated images, in [0, 1] pixels.
  func pretextScores(_ images: Tensor) -> (accuracy: Double, reconstructionMSE: Double) {
    let copies = Tensor.stack(Rotations.quarterTurns.map { $0(images) }, dim: 1).reshape([-1] + Array(images.shape.dropFirst()))
    let rotations = Tensor.arange(4).repeated(images.size(0))
    let net = pretext
    let wasTraining = net.isTraining
    net.eval()
    defer { net.train(wasTraining) }
    let lensedCopies = lensed(copies)
    let predicted = withNoGrad {
      Tensor.cat(stride(from: 0, to: copies.size(0), by: 1_000).map { net(lensedCopies[$0..<Swift.min($0 + 1_000, copies.size(0))]) })
    }.argmax(dim: 1)
    let accuracy = (predicted .== rotations).to(.float64).mean().item()
    let mse = (lensed(images) - images).square().mean().to(.float64).item() * FashionMNISTRun.pixelStd * FashionMNISTRun.pixelStd
    return (accuracy, mse)
  }
}
