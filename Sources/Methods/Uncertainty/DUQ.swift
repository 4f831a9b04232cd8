import NN
import Torch

/// Hyperparameters of a DUQ head.
public struct DUQConfiguration: Codable, Equatable, Sendable {
  /// Width of the feature extractor's output.
  public var featureSize: Int
  /// Size of each class's embedding W_c f(x) (and of its centroid).
  public var embeddingSize: Int
  public var classes: Int
  /// σ of the RBF kernel.
  public var lengthScale: Double
  /// Decay γ of the centroids' exponential moving average.
  public var gamma: Double
  /// λ of the two-sided gradient penalty.
  public var gradientPenaltyWeight: Double
  /// Pseudo-count N_c the centroid averages start from.
  public var initialCount: Double
  /// Standard deviation of W's normal initialisation.
  public var weightStd: Double

  public init(
    featureSize: Int, embeddingSize: Int, classes: Int, lengthScale: Double, gamma: Double,
    gradientPenaltyWeight: Double, initialCount: Double, weightStd: Double
  ) {
    self.featureSize = featureSize
    self.embeddingSize = embeddingSize
    self.classes = classes
    self.lengthScale = lengthScale
    self.gamma = gamma
    self.gradientPenaltyWeight = gradientPenaltyWeight
    self.initialCount = initialCount
    self.weightStd = weightStd
  }

  /// The two-moons settings of the official notebook (y0ast/deterministic-uncertainty-
  /// quantification, two_moons.ipynb: `Model_bilinear(20, 2)`, `l_gradient_penalty = 1.0`).
  public static func twoMoons(featureSize: Int = 20) -> DUQConfiguration {
    DUQConfiguration(
      featureSize: featureSize, embeddingSize: 10, classes: 2, lengthScale: 0.3, gamma: 0.99,
      gradientPenaltyWeight: 1.0, initialCount: 20, weightStd: 1)
  }
}

/// The parts of a DUQ training loss.
public struct DUQLoss {
  /// bce + λ · gradientPenalty, to call `backward()` on.
  public var total: Tensor
  public var bce: Tensor
  public var gradientPenalty: Tensor
}

/// Deterministic Uncertainty Quantification (van Amersfoort, Smith, Teh and Gal, ICML 2020):
/// a feature extractor followed by one RBF kernel per class around a centroid.
///
/// K_c(x) = exp(−mean_j (W_c f(x) − e_c)_j² / (2σ²)) is both the class score and the
/// certainty: far from every centroid all K_c fall towards 0. Centroids e_c = m_c / N_c are
/// exponential moving averages of the class embeddings (buffers, not trained by gradients);
/// a two-sided gradient penalty on ‖∇ₓ Σ_c K_c‖ keeps f sensitive to its input, so
/// out-of-distribution inputs are not mapped onto a centroid.
public final class DUQ<Features: UnaryLayer>: Module {
  public let features: Features
  /// W, [embedding, classes, features] as in the reference code.
  public let weight: Tensor
  /// N_c, the moving average of how many examples of each class a batch holds [classes].
  @Buffer public var classCounts: Tensor
  /// m_c, the moving average of each class's summed embeddings [embedding, classes].
  @Buffer public var embeddingSums: Tensor
  public let configuration: DUQConfiguration

  /// A head on `features`, whose output must have `configuration.featureSize` columns.
  public init(features: Features, configuration: DUQConfiguration) {
    let c = configuration
    self.features = features
    self.configuration = c
    weight = Tensor.normal([c.embeddingSize, c.classes, c.featureSize], std: c.weightStd).requiringGrad()
    classCounts = Tensor.full([c.classes], c.initialCount)
    // Random initial centroids, scaled by N so that m / N starts at a standard normal draw.
    embeddingSums = Tensor.randn([c.embeddingSize, c.classes]) * c.initialCount
  }

  /// Class embeddings W_c f(x): [batch, embedding, classes].
  public func embed(_ x: Tensor) -> Tensor {
    Tensor.einsum("ij,mnj->imn", features(x), weight)
  }

  /// Centroids e_c = m_c / N_c: [embedding, classes].
  public var centroids: Tensor { embeddingSums / classCounts.unsqueeze(0) }

  /// RBF kernel values of embeddings [batch, embedding, classes] to the centroids: [batch, classes].
  public func kernel(_ embeddings: Tensor) -> Tensor {
    let sigma = configuration.lengthScale
    return (-(embeddings - centroids.unsqueeze(0)).square().mean(1) / (2 * sigma * sigma)).exp()
  }

  /// K_c(x) for every class: [batch, classes].
  public func callAsFunction(_ x: Tensor) -> Tensor { kernel(embed(x)) }

  /// Two-sided gradient penalty mean over the batch of (‖∇ₓ Σ_c K_c(x)‖₂ − 1)², given kernel
  /// values computed from `inputs` (which must require grad); differentiable, so training
  /// takes a gradient of this gradient.
  public func gradientPenalty(inputs: Tensor, kernelValues: Tensor) -> Tensor {
    // Summing over classes seeds every K_c with one, as the reference's grad_outputs=ones does.
    let gradients = grad(of: kernelValues.sum(), wrt: inputs, createGraph: true)
    let norms = gradients.flatten(from: 1).norm(2, dims: [1])
    return (norms - 1).square().mean()
  }

  /// The gradient penalty at `x` on its own (for tests and diagnostics).
  public func gradientPenalty(at x: Tensor) -> Tensor {
    let inputs = x.detach().requiringGrad()
    return gradientPenalty(inputs: inputs, kernelValues: self(inputs))
  }

  /// Binary cross-entropy of K against one-hot labels [batch, classes] plus λ · gradient penalty.
  public func loss(_ x: Tensor, oneHot targets: Tensor) -> DUQLoss {
    // A fresh leaf so the penalty can differentiate K with respect to the input.
    let inputs = x.detach().requiringGrad()
    let values = self(inputs)
    let bce = binaryCrossEntropy(probabilities: values, targets: targets)
    let penalty = gradientPenalty(inputs: inputs, kernelValues: values)
    return DUQLoss(total: bce + penalty * configuration.gradientPenaltyWeight, bce: bce, gradientPenalty: penalty)
  }

  /// Moves the centroids towards this batch's class means (call after each optimiser step).
  ///
  /// N ← max(γN + (1−γ) Σ_i y_i, 1) and m ← γm + (1−γ) Σ_i W f(x_i) y_iᵀ, with the embeddings
  /// recomputed by the just-updated network, as the reference code does: the floor of one is
  /// the two-moons notebook's, evaluation mode the Fashion-MNIST script's (so batch norm uses,
  /// and does not change, its running statistics).
  public func updateCentroids(_ x: Tensor, oneHot targets: Tensor) {
    let gamma = configuration.gamma
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    withNoGrad {
      let y = targets.to(embeddingSums.dtype)
      let batchSums = Tensor.einsum("ijk,ik->jk", embed(x), y)
      // The floor of one keeps a class absent for many batches from dividing by almost zero.
      classCounts.copy_(maximum(classCounts * gamma + y.sum(0) * (1 - gamma), 1))
      embeddingSums.copy_(embeddingSums * gamma + batchSums * (1 - gamma))
    }
  }
}

extension DUQ: UncertaintyClassifier {
  /// Most likely class and its kernel value max_c K_c.
  public func predict(_ x: Tensor) -> Prediction {
    withNoGrad {
      let (values, classes) = self(x).max(dim: 1)
      return Prediction(classes: classes, certainty: values)
    }
  }
}
