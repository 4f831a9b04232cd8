import Backbones
import NN
import Torch
import Training

/// Automatic shortcut removal (Minderer, Bachem, Houlsby and Tschannen, "Automatic shortcut
/// removal for self-supervised representation learning", ICML 2020; no official code).
///
/// A pretext task such as predicting an image's rotation can be solved by low-level shortcuts
/// (a logo, chromatic aberration, a marker) that teach the network nothing useful. A lens
/// L(x) = x + U(x) is trained adversarially to the pretext network F: F minimises the pretext
/// loss on L(x), while L makes the pretext hard at a small reconstruction cost, so the cheapest
/// features to remove — the shortcuts — are removed first and F must learn the rest.
public final class ShortcutLens: Module, UnaryLayer {
  public let residual: LensUNet

  /// A lens whose U-Net's last layer starts at zero, so L starts as the identity and F first
  /// sees the unmodified images.
  public init(channels: Int, width: Int = 16) { residual = LensUNet(channels: channels, width: width) }

  /// L(x) = x + U(x).
  public func callAsFunction(_ x: Tensor) -> Tensor { x + residual(x) }
}

/// The pretext network F: features and a head over the M pretext classes (rotations).
public final class PretextNetwork<Features: UnaryLayer>: Module, UnaryLayer {
  public let features: Features
  public let head: Linear

  public init(features: Features, featureSize: Int, pretextClasses: Int = 4) {
    self.features = features
    head = Linear(featureSize, pretextClasses)
  }

  /// Pretext logits [batch, M].
  public func callAsFunction(_ x: Tensor) -> Tensor { head(features(x)) }
}

/// The lens and the pretext network together: the module a run trains and checkpoints.
public final class LensedPretextModel<Features: UnaryLayer>: Module {
  public let lens: ShortcutLens
  public let pretext: PretextNetwork<Features>

  public init(lens: ShortcutLens, pretext: PretextNetwork<Features>) {
    self.lens = lens
    self.pretext = pretext
  }

  /// Features of the frozen F on L(x), [batch, featureSize]: the representation a linear probe
  /// evaluates (the paper evaluates representations by training a linear classifier on them).
  /// Evaluation mode, no gradients; `lensed: false` probes F on the raw images.
  public func probeFeatures(_ x: Tensor, lensed: Bool = true) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return withNoGrad { pretext.features(lensed ? lens(x) : x) }
  }

  /// Pretext accuracy on image-major transformed copies, with or without the lens.
  public func pretextAccuracy(_ batch: TransformedCopiesBatch, lensed: Bool = true) -> Double {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return withNoGrad {
      let predicted = pretext(lensed ? lens(batch.x) : batch.x).argmax(dim: 1)
      return (predicted .== batch.transformations).to(.float32).mean().item()
    }
  }
}

/// The lens's adversarial loss.
public enum LensAdversary: String, Sendable, CaseIterable {
  /// CE(F(L(x)), argmin_y p(y | L(x))): push every lensed image toward its least likely pretext
  /// label (the paper's alternative to the full adversarial loss for classification pretexts).
  /// Its gradient stays informative when F is confident; −L_pretext's vanishes as F's
  /// cross-entropy goes to zero, and on the corner-mark toy of SelfSupervisedTests it leaves
  /// F's accuracy at 1.
  case leastLikely
  /// −L_pretext: the plain adversarial loss.
  case negativePretext
}

/// One step of automatic shortcut removal on rotated copies (`TransformedCopiesBatch`, the
/// shortcut already drawn before the rotation), with optimisers "pretext" (F's parameters) and
/// "lens" (L's parameters):
/// - F minimises L_pretext = CE(F(L(x)), j);
/// - L minimises λ · mean (x − L(x))² + the adversarial loss.
///
/// Both losses come from one forward pass and `Optimizers.minimize([(name, loss)])` takes each
/// gradient only with respect to its own optimiser's parameters before either steps, so the
/// lens's loss never moves F, the pretext loss never moves L, and no gradient is taken through
/// parameters already changed. Detaching L(x) for F's loss would not change F's gradient (it is
/// taken with respect to F's parameters only), so the lensed images are shared.
public final class AutomaticShortcutRemovalObjective<Features: UnaryLayer>: Objective {
  public let model: LensedPretextModel<Features>
  /// λ, the weight of the reconstruction term.
  public var reconstructionWeight: Double
  public var adversary: LensAdversary

  public init(_ model: LensedPretextModel<Features>, reconstructionWeight: Double = 1, adversary: LensAdversary = .leastLikely) {
    self.model = model
    self.reconstructionWeight = reconstructionWeight
    self.adversary = adversary
  }

  public var module: Module { model }

  /// The pretext loss, the reconstruction MSE and the lens's total loss.
  public func losses(_ batch: TransformedCopiesBatch) -> (pretext: Tensor, reconstruction: Tensor, lens: Tensor) {
    let lensed = model.lens(batch.x)
    let logits = model.pretext(lensed)
    let pretext = crossEntropy(logits: logits, targets: batch.transformations)
    let reconstruction = mseLoss(lensed, batch.x)
    let adversarial: Tensor
    switch adversary {
    case .leastLikely: adversarial = crossEntropy(logits: logits, targets: logits.detach().argmin(dim: 1))
    case .negativePretext: adversarial = -pretext
    }
    return (pretext, reconstruction, reconstruction * reconstructionWeight + adversarial)
  }

  public func step(_ batch: TransformedCopiesBatch, optimizers: Optimizers) throws -> LossTerms {
    let (pretext, reconstruction, lens) = losses(batch)
    optimizers.minimize([("pretext", pretext), ("lens", lens)])
    return ["pretext": pretext.item(), "reconstruction": reconstruction.item(), "lens": lens.item()]
  }
}
