import Foundation
import GaussianProcesses
import Torch

/// How 1-D regression tasks are drawn from a Gaussian process.
public enum CurveProtocol: String, CaseIterable, Codable, Sendable {
  /// The ANP paper's setting (DeepMind's code): x ~ U[−2, 2]; n_context ~ U{3..49}; training
  /// targets add U{0..50 − n_context − 1} extra points to the contexts; test targets are 400
  /// evenly spaced points on [−2, 2] with the contexts drawn among them; noise std 0.02.
  case deepmind
  /// The Neural Process Family benchmark (YannDubs/Neural-Process-Family, utils/data/
  /// gaussian_process.py): 128 sorted points x ~ U[−2, 2] per function, given to the model
  /// rescaled to [−1, 1]; n_context ~ U{0..50} drawn among them; targets are all 128 points.
  case npf
}

/// The kernels of the experiments; `noisyMatern` is Matérn-3/2 plus white noise of variance 0.1 (NPF).
public enum CurveKernel: String, CaseIterable, Codable, Sendable {
  case eq, matern52, matern32, periodic
  case noisyMatern = "noisy-matern"

  var family: KernelFamily {
    switch self {
    case .eq: .eq
    case .matern52: .matern52
    case .matern32, .noisyMatern: .matern32
    case .periodic: .periodic
    }
  }
}

/// A batch of tasks with the GP that generated each one (in the model's x units).
public struct CurveBatch {
  public var context: PointSet
  public var target: PointSet
  /// One kernel per task (all equal unless hyperparameters are random).
  public var kernels: [Kernel]
  /// Observation noise variance of y.
  public var noiseVariance: Double
  /// Where each context point lies among its task's targets, int64 [B, Nc] (padding rows: 0),
  /// when every context point is a target (sampled tasks); nil for tasks read from a file.
  public var contextIndices: Tensor?

  public init(context: PointSet, target: PointSet, kernels: [Kernel], noiseVariance: Double, contextIndices: Tensor? = nil) {
    self.context = context
    self.target = target
    self.kernels = kernels
    self.noiseVariance = noiseVariance
    self.contextIndices = contextIndices
  }

  /// The data as float32 for a model (sampling happens in float64).
  public func float32() -> (context: PointSet, target: PointSet) {
    (context.to(.float32), target.to(.float32))
  }

  /// The true GP's predictive log-likelihood of each real context and target point given the
  /// context: the oracle every Neural Process is compared with. Returns [B, Nc] and [B, Nt].
  public func oracleLogLikelihoods() -> (context: Tensor, target: Tensor) {
    func score(_ points: PointSet, _ tasks: Range<Int>, _ kernel: Kernel) -> Tensor {
      let process = GaussianProcess(kernel: kernel, noiseVariance: noiseVariance)
      let c = context.slice(tasks)
      let p = points.slice(tasks)
      return process.predictiveLogLikelihood(x: c.x, y: c.y, mask: c.mask, queryX: p.x, queryY: p.y)
    }
    // Tasks sharing hyperparameters are scored in one batched solve.
    if kernels.allSatisfy({ $0 == kernels[0] }) {
      return (score(context, 0..<kernels.count, kernels[0]), score(target, 0..<kernels.count, kernels[0]))
    }
    let parts = kernels.indices.map { i in (score(context, i..<i + 1, kernels[i]), score(target, i..<i + 1, kernels[i])) }
    return (Tensor.cat(parts.map(\.0)), Tensor.cat(parts.map(\.1)))
  }
}

/// Draws batches of 1-D regression tasks from a GP (float64 Cholesky draws, batched).
///
/// Randomness comes from libtorch's global generator: seed it with `Torch.manualSeed` for a
/// reproducible stream (the training loop seeds it every step).
public struct GPCurveSampler: Sendable {
  public var curveProtocol: CurveProtocol
  public var kernel: CurveKernel
  /// DeepMind's random-hyperparameter setting: l ~ U[0.1, 0.6], σ_f ~ U[0.1, 1] per function.
  public var randomHyperparameters: Bool
  /// Every task gets exactly this many context points instead of the protocol's random count
  /// (for scoring a model at one context size); at most `evaluationTargetCount`.
  public var contextCount: Int?

  public init(protocol curveProtocol: CurveProtocol, kernel: CurveKernel, randomHyperparameters: Bool = false, contextCount: Int? = nil) {
    self.curveProtocol = curveProtocol
    self.kernel = kernel
    self.randomHyperparameters = randomHyperparameters
    self.contextCount = contextCount
  }

  /// Noise variance added to the draws: DeepMind's std 0.02; NPF's white noise 0.1 for the
  /// noisy Matérn. NPF's other sets are noise-free (sklearn draws without alpha); a variance of
  /// 1e-6 keeps their Cholesky factor stable and is the oracle's noise too.
  public var noiseVariance: Double {
    switch curveProtocol {
    case .deepmind: 0.02 * 0.02
    case .npf: kernel == .noisyMatern ? 0.1 : 1e-6
    }
  }

  /// The fixed hyperparameters of the protocol, in the units x is drawn in ([−2, 2]).
  public var baseKernel: Kernel {
    switch (curveProtocol, kernel) {
    case (.deepmind, _): Kernel(kernel.family, lengthscale: 0.6, scale: 1, period: 1)
    case (.npf, .periodic): Kernel(.periodic, lengthscale: 0.5, scale: 1, period: 0.5)
    case (.npf, _): Kernel(kernel.family, lengthscale: 0.2, scale: 1)
    }
  }

  /// Where both protocols draw x (before `xScale`): a model has seen no point outside it.
  public static let xRange = -2.0...2.0

  /// How x is rescaled for the model: NPF maps [−2, 2] to [−1, 1].
  public var xScale: Double { curveProtocol == .npf ? 0.5 : 1 }

  /// Number of target points each task is scored on in evaluation.
  public var evaluationTargetCount: Int { curveProtocol == .npf ? 128 : 400 }

  /// A batch of `size` tasks; `training` selects DeepMind's training or test split of targets.
  public func sample(batchSize size: Int, training: Bool = true) -> CurveBatch {
    let (x, targetMask, contextIndices) = layout(size, training: training)
    var kernels = (0..<size).map { _ in baseKernel }
    if randomHyperparameters {
      let lengthscales = Tensor.uniform([size], low: 0.1, high: 0.6, dtype: .float64).toArray(Double.self)
      let scales = Tensor.uniform([size], low: 0.1, high: 1, dtype: .float64).toArray(Double.self)
      for i in 0..<size {
        kernels[i].lengthscale = lengthscales[i]
        kernels[i].scale = scales[i]
      }
    }
    let y = draw(at: x, kernels: kernels)
    let (context, indices) = gather(x: x, y: y, indices: contextIndices)
    // Hyperparameters in the model's x units, so the oracle works on what the model sees.
    let scaledKernels = kernels.map { $0.rescaled(by: xScale) }
    return CurveBatch(
      context: PointSet(x: context.x * xScale, y: context.y, mask: context.mask),
      target: PointSet(x: x * xScale, y: y, mask: targetMask), kernels: scaledKernels, noiseVariance: noiseVariance,
      contextIndices: indices)
  }

  /// Tasks read from a file (x in the protocol's units) as one batch in the model's units, with
  /// the protocol's fixed hyperparameters for the GP oracle.
  public func batch(from tasks: [RegressionTask]) -> CurveBatch {
    let (context, target) = TaskFile.batch(tasks)
    let kernel = baseKernel.rescaled(by: xScale)
    return CurveBatch(
      context: PointSet(x: context.x * xScale, y: context.y, mask: context.mask),
      target: PointSet(x: target.x * xScale, y: target.y, mask: target.mask),
      kernels: Array(repeating: kernel, count: tasks.count), noiseVariance: noiseVariance)
  }

  /// Point locations x [B, N, 1], the mask of real points [B, N], and each task's context indices.
  func layout(_ size: Int, training: Bool) -> (x: Tensor, mask: Tensor, contexts: [[Int]]) {
    let (low, high) = (Self.xRange.lowerBound, Self.xRange.upperBound)
    switch curveProtocol {
    case .npf:
      let x = Tensor.uniform([size, 128], low: low, high: high, dtype: .float64).sorted(dim: 1).values.unsqueeze(-1)
      let counts = contextCounts(size, low: 0, high: 50)
      return (x, Tensor.ones([size, 128], dtype: .float64), counts.map { randomSubset($0, of: 128) })
    case .deepmind where !training:
      // DeepMind's test grid: arange(−2, 2, 0.01), 400 points.
      let x = Tensor.arange(low, high, step: 0.01, dtype: .float64).reshape(1, 400, 1).expand(size, 400, 1).contiguous()
      let counts = contextCounts(size, low: 3, high: 49)
      return (x, Tensor.ones([size, 400], dtype: .float64), counts.map { randomSubset($0, of: 400) })
    case .deepmind:
      // n_context ~ U{3..49} and U{0..50 − n_context − 1} extra targets; x is random, so the
      // first n_context points of a task serve as its contexts.
      let contexts = contextCounts(size, low: 3, high: 49)
      let extras = (Tensor.rand([size], dtype: .float64) * Tensor(contexts.map { Double(Swift.max(50 - $0, 0)) }, dtype: .float64))
        .floor().toArray(Double.self).map(Int.init)
      let totals = zip(contexts, extras).map { $0 + $1 }
      let width = totals.max()!
      let x = Tensor.uniform([size, width, 1], low: low, high: high, dtype: .float64)
      let mask = Tensor(totals.flatMap { n in (0..<width).map { $0 < n ? 1.0 : 0 } }, shape: [size, width], dtype: .float64)
      return (x, mask, contexts.map { Array(0..<$0) })
    }
  }

  /// Each task's context count: `contextCount`, or uniform on low...high.
  func contextCounts(_ size: Int, low: Int, high: Int) -> [Int] {
    contextCount.map { Array(repeating: $0, count: size) } ?? Tensor.randint(low, high + 1, [size]).toArray(Int.self)
  }

  /// `count` distinct indices of 0..<n in random order.
  func randomSubset(_ count: Int, of n: Int) -> [Int] { Array(Tensor.randperm(n).toArray(Int.self).prefix(count)) }

  /// Function values at x for each task's kernel, plus observation noise: [B, N, 1].
  func draw(at x: Tensor, kernels: [Kernel]) -> Tensor {
    let n = x.size(1)
    let lengthscale = Tensor(kernels.map(\.lengthscale), shape: [kernels.count, 1, 1], dtype: .float64)
    let scale = Tensor(kernels.map(\.scale), shape: [kernels.count, 1, 1], dtype: .float64)
    let covariance =
      Kernel.covariance(kernel.family, x, x, lengthscale: lengthscale, scale: scale, period: kernels[0].period)
      + Tensor.eye(n, dtype: .float64) * noiseVariance
    return covariance.cholesky().matmul(Tensor.randn([kernels.count, n, 1], dtype: .float64))
  }

  /// Contexts gathered from x, y by index sets, padded (with point 0): [B, max, 1], mask
  /// [B, max], and the padded indices, int64 [B, max].
  func gather(x: Tensor, y: Tensor, indices: [[Int]]) -> (points: PointSet, indices: Tensor) {
    let width = Swift.max(indices.map(\.count).max() ?? 0, 1)
    let padded = indices.map { $0 + Array(repeating: 0, count: width - $0.count) }
    let index = Tensor(padded.flatMap { $0 }, shape: [indices.count, width])
    let mask = Tensor(
      indices.flatMap { set in (0..<width).map { $0 < set.count ? 1.0 : 0 } }, shape: [indices.count, width], dtype: .float64)
    return (PointSet(x: x.gatherRows(index), y: y.gatherRows(index), mask: mask), index)
  }
}
