import Datasets
import Foundation
import GaussianProcesses
import NeuralProcesses
import Torch

/// The points evaluated so far, in the objective's units (x in [−2, 2]).
public struct Evaluations: Sendable {
  public var x: [Double] = []
  public var y: [Double] = []

  /// Evaluations at `x` with values `y`.
  public init(x: [Double] = [], y: [Double] = []) {
    self.x = x
    self.y = y
  }

  /// Number of evaluations.
  public var count: Int { x.count }

  /// x and y as float64 tensors [1, n, 1].
  public var tensors: (x: Tensor, y: Tensor) {
    (Tensor(x, shape: [1, count, 1], dtype: .float64), Tensor(y, shape: [1, count, 1], dtype: .float64))
  }
}

/// A model that draws whole functions on the grid from its posterior given evaluations.
public protocol FunctionSampler {
  /// One function drawn on `grid` [1, M, 1] given the evaluations (at least one): [M], float64.
  func draw(on grid: Tensor, given evaluations: Evaluations) -> Tensor
}

/// An exact GP surrogate with known hyperparameters, or hyperparameters refitted to the
/// evaluations at every step by maximising the marginal likelihood.
public struct GaussianProcessSurrogate: FunctionSampler {
  /// The GP used as is (known hyperparameters), or as the prior until there are enough points to fit.
  public var process: GaussianProcess
  /// Refit lengthscale, signal scale and noise to the evaluations (from `minimumPointsToFit` on).
  public var fitsHyperparameters: Bool
  /// Below this many evaluations a marginal-likelihood fit is meaningless (one point has no spread).
  public var minimumPointsToFit = 3
  /// Adam steps of each refit; GaussianProcess.fit's default 300 is more than a warm, tiny problem needs.
  public var fitSteps = 100

  /// A GP surrogate starting from `process`, refitting it to the evaluations when `fitsHyperparameters`.
  public init(process: GaussianProcess, fitsHyperparameters: Bool) {
    self.process = process
    self.fitsHyperparameters = fitsHyperparameters
  }

  /// The GP to condition on the evaluations: the given one, or one fitted to them.
  public func process(given evaluations: Evaluations) -> GaussianProcess {
    guard fitsHyperparameters, evaluations.count >= minimumPointsToFit else { return process }
    let (x, y) = evaluations.tensors
    return GaussianProcess.fit(
      x: x, y: y, family: process.kernel.family, period: process.kernel.period, steps: fitSteps,
      initialLengthscales: [0.3, 1]
    ).process
  }

  /// One exact joint posterior draw of f on the grid.
  public func draw(on grid: Tensor, given evaluations: Evaluations) -> Tensor {
    let (x, y) = evaluations.tensors
    return process(given: evaluations).posteriorSamples(x: x, y: y, query: grid, count: 1).reshape(-1)
  }
}

/// How a Neural Process surrogate draws a function on the grid.
public enum NeuralProcessDraw: String, CaseIterable, Codable, Sendable {
  /// The decoder mean under one z ~ q(z | C), as the NP paper does (latent models only).
  case latent
  /// mean + σ·ε with ε independent per grid point: the only draw of a deterministic model, and
  /// for a latent model whose z barely moves its mean, the one that still explores.
  case marginal
}

/// A trained 1-D Neural Process as a surrogate. Latent models (NP, ANP) draw a function as the
/// decoder mean under one z ~ q(z | C), as the NP paper does, unless told to draw `marginal`ly;
/// deterministic ones (CNP, AttnCNP) have no function-level randomness, so their draw is always
/// mean + σ·ε with ε independent per point.
public struct NeuralProcessSurrogate: FunctionSampler {
  /// A trained 1-D model (x and y one-dimensional).
  public var model: NeuralProcess
  /// Factor applied to x before it enters the model (the training protocol's `xScale`).
  public var xScale: Double
  /// The draw in use (`marginal` for models without a latent path).
  public let draw: NeuralProcessDraw

  /// A surrogate from a trained model and its protocol's x scaling; `draw` defaults to `latent`
  /// for latent models.
  public init(model: NeuralProcess, xScale: Double = 1, draw: NeuralProcessDraw = .latent) {
    self.model = model
    self.xScale = xScale
    self.draw = model.configuration.kind.hasLatentPath ? draw : .marginal
  }

  public func draw(on grid: Tensor, given evaluations: Evaluations) -> Tensor {
    withNoGrad {
      let (x, y) = evaluations.tensors
      let context = PointSet(x: (x * xScale).to(.float32), y: y.to(.float32))
      let targetX = (grid * xScale).to(.float32)
      let prediction = model.predict(context: context, targetX: targetX, chunkSize: 1024)  // one z for the whole grid
      let function = self.draw == .latent
        ? prediction.mean : prediction.mean + prediction.std * Tensor.randn(prediction.mean.shape)
      return function.to(.float64).reshape(-1)
    }
  }
}
