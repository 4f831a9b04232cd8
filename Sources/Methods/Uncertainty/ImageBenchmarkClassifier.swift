import NN
import Torch
import Training

/// A classifier of the image OoD benchmark: trained one mini-batch at a time, scored by its
/// class probabilities (accuracy, NLL, Brier, ECE) and a certainty (OoD detection).
public protocol ImageBenchmarkClassifier: UncertaintyClassifier {
  /// Independent batches each training step takes: one per ensemble member, else one.
  var batchStreams: Int { get }
  /// One training step on one batch per stream with the benchmark run's optimisers
  /// (`FashionMNISTRun.makeOptimizers` in Experiments: one, except SDE-Net's drift and diffusion).
  func trainingStep(_ batches: [LabelledBatch], optimizers: Optimizers) throws -> LossTerms
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

/// A single model steps on the one stream's batch.
extension ImageBenchmarkClassifier where Self: Objective, Self.Batch == LabelledBatch {
  public var batchStreams: Int { 1 }

  public func trainingStep(_ batches: [LabelledBatch], optimizers: Optimizers) throws -> LossTerms {
    precondition(batches.count == 1, "\(type(of: self)) trains on one batch a step, got \(batches.count)")
    return try step(batches[0], optimizers: optimizers)
  }
}

/// The benchmark's objective: any of its classifiers, fed one batch per stream.
public struct ImageBenchmarkObjective: Objective {
  public let classifier: any ImageBenchmarkClassifier

  public init(_ classifier: any ImageBenchmarkClassifier) { self.classifier = classifier }

  public var module: Module { classifier }

  public func step(_ batch: [LabelledBatch], optimizers: Optimizers) throws -> LossTerms {
    try classifier.trainingStep(batch, optimizers: optimizers)
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
/// out (see `FashionMNISTRun` in Experiments).
extension BeliefMatchingClassifier: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }
}

extension DeepEnsemble: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public var batchStreams: Int { members.count }

  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }

  public func trainingStep(_ batches: [LabelledBatch], optimizers: Optimizers) -> LossTerms {
    step(batches, optimizers: optimizers)
  }
}

/// The mean softmax over `evaluationPasses` stochastic passes: with max probability, the
/// confidence test_detection.py ranks MNIST against OoD sets by.
extension SDENet: ImageBenchmarkClassifier, ProbabilisticClassifier {
  public func predictiveProbabilities(_ x: Tensor) -> Tensor { probabilities(x) }
}

extension DUQ: ImageBenchmarkClassifier {

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
