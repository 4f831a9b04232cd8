import NN
import Torch

/// A classifier of the image OoD benchmark: trained one mini-batch at a time, scored by its
/// class probabilities (accuracy, NLL, Brier, ECE) and a certainty (OoD detection).
public protocol ImageBenchmarkClassifier: UncertaintyClassifier {
  /// Independent batches each training step takes: one per ensemble member, else one.
  var batchStreams: Int { get }
  /// One training step on `batches` (labels int64) with the optimisers of
  /// `FashionMNISTRun.makeOptimizers` (one, except SDE-Net's two); returns the (mean) loss before it.
  func trainingStep(batches: [(x: Tensor, labels: Tensor)], optimizers: [Optimizer]) -> Double
  /// Class probabilities [batch, classes] and certainty [batch] (higher: more in-distribution)
  /// from one prediction, without gradients; `measure` turns probabilities into a certainty
  /// where the method has no certainty of its own.
  func probabilitiesAndCertainty(_ x: Tensor, measure: CertaintyMeasure) -> (probabilities: Tensor, certainty: Tensor)
}

/// The benchmark's view of a classifier whose certainty is `measure` of its predictive
/// probabilities (every method but DUQ).
public protocol ProbabilisticClassifier {
  /// Predictive class probabilities [batch, classes].
  func predictiveProbabilities(_ x: Tensor) -> Tensor
}

extension ImageBenchmarkClassifier where Self: ProbabilisticClassifier {
  public func probabilitiesAndCertainty(_ x: Tensor, measure: CertaintyMeasure) -> (probabilities: Tensor, certainty: Tensor) {
    withNoGrad {
      let p = predictiveProbabilities(x)
      return (p, measure(p))
    }
  }
}

extension ImageBenchmarkClassifier where Self: SupervisedClassifier {
  public var batchStreams: Int { 1 }

  public func trainingStep(batches: [(x: Tensor, labels: Tensor)], optimizers: [Optimizer]) -> Double {
    trainingStep(batches[0].x, labels: batches[0].labels, optimizer: optimizers[0])
  }
}

extension SoftmaxClassifier: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }
}

/// MC dropout's probabilities average its stochastic passes.
extension MCDropoutClassifier: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }
}

/// The Dirichlet mean; the precision and mutual information the paper also ranks by are left
/// out (see `FashionMNISTRun`).
extension BeliefMatchingClassifier: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }
}

extension DeepEnsemble: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public var batchStreams: Int { members.count }

  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }

  /// Steps every member on its own batch with one optimiser over all members: SGD and Adam
  /// update each parameter from its own gradient alone, so this is the same as training each
  /// member separately, in one pass per batch.
  public func trainingStep(batches: [(x: Tensor, labels: Tensor)], optimizers: [Optimizer]) -> Double {
    precondition(batches.count == members.count, "\(batches.count) batches for \(members.count) members")
    let optimizer = optimizers[0]
    train()
    optimizer.zeroGrad()
    let losses = zip(members, batches).map { $0.loss($1.x, labels: $1.labels) }
    let total = losses.dropFirst().reduce(losses[0], +)
    total.backward()
    optimizer.step()
    return total.item() / Double(members.count)
  }
}

/// The mean softmax over `evaluationPasses` stochastic passes: with max probability, the
/// confidence test_detection.py ranks MNIST against OoD sets by.
extension SDENet: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public var batchStreams: Int { 1 }

  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }

  /// The official alternating step; `optimizers` are the drift's and the diffusion's SGDs, in
  /// that order. Returns the cross-entropy of the drift half.
  public func trainingStep(batches: [(x: Tensor, labels: Tensor)], optimizers: [Optimizer]) -> Double {
    precondition(optimizers.count == 2, "SDE-Net trains with a drift and a diffusion optimiser, got \(optimizers.count)")
    return trainingStep(batches[0].x, labels: batches[0].labels, drift: optimizers[0], diffusion: optimizers[1])
      .classification
  }
}

extension DUQ: ImageBenchmarkClassifier {
  public var batchStreams: Int { 1 }

  public func trainingStep(batches: [(x: Tensor, labels: Tensor)], optimizers: [Optimizer]) -> Double {
    trainingStep(batches[0].x, labels: batches[0].labels, optimizer: optimizers[0]).total.item()
  }

  /// Probabilities are the kernel values normalised to sum to one (DUQ has no softmax; its
  /// calibration scores use these), uniform where every K_c underflows; the certainty is
  /// max_c K_c, as in the paper.
  public func probabilitiesAndCertainty(_ x: Tensor, measure: CertaintyMeasure) -> (probabilities: Tensor, certainty: Tensor) {
    withNoGrad {
      let k = self(x)
      let smoothed = k + 1e-12
      return (smoothed / smoothed.sum(1, keepDim: true), k.amax(1))
    }
  }
}
