import NN
import Torch

/// What a method trains: one step on a batch, which computes its losses, steps its optimisers
/// and reports named loss terms. The loop owns everything else (seeding, batches, checkpoints,
/// progress, divergence), so a method's file holds its loss and its step and no loop.
///
/// A step takes the optimisers by name, so one objective can train parts of a model with
/// optimisers of their own (SDE-Net's drift and diffusion nets, an autoencoder's encoder and
/// decoder, the lens and its classifier), each following its own learning-rate schedule.
public protocol Objective {
  associatedtype Batch
  /// The module whose parameters and buffers the run trains and checkpoints.
  var module: Module { get }
  /// One training step on `batch`; returns the step's loss terms, the first being the loss
  /// that the progress line shows and the learning curve follows.
  func step(_ batch: Batch, optimizers: Optimizers) throws -> LossTerms
  /// Called by the loop just before each `step` with that step's index: 1-based, counted over
  /// the whole run, so a resumed run continues the count where the checkpoint stopped; in an
  /// epoch-counted run it counts batches (epoch e's batch b is step e · batchesPerEpoch + b + 1).
  /// It is the clock of a schedule inside a loss, such as the ramped consistency weight
  /// λ(t) = λ_max · exp(−5(1 − t/T)²) of the Π-model, VAT, pseudo-labelling and DS3L, which no
  /// learning-rate schedule can carry. The default ignores it; an objective that wraps another
  /// forwards it.
  func prepare(forStep step: Int)
}

extension Objective {
  public func prepare(forStep step: Int) {}
}

extension Objective where Self: Module {
  public var module: Module { self }
}

/// A step's losses by name, in the order they were recorded: `["loss": 0.3]`, or
/// `["classification": 0.3, "in_distribution": 0.6, "out_of_distribution": 0.1]`.
public struct LossTerms: ExpressibleByDictionaryLiteral, Sendable, Equatable, CustomStringConvertible {
  public private(set) var terms: [(name: String, value: Double)]

  public init(dictionaryLiteral elements: (String, Double)...) {
    precondition(!elements.isEmpty, "a step reports at least one loss")
    terms = elements.map { (name: $0.0, value: $0.1) }
  }

  /// The first term: the step's loss.
  public var loss: Double { terms[0].value }

  public subscript(name: String) -> Double? { terms.first { $0.name == name }?.value }

  /// The first term that is not finite, if any.
  public var firstNonFinite: (name: String, value: Double)? { terms.first { !$0.value.isFinite } }

  public var description: String {
    terms.map { "\($0.name) \(String(format: "%.4f", $0.value))" }.joined(separator: "  ")
  }

  public static func == (a: LossTerms, b: LossTerms) -> Bool {
    a.terms.map(\.name) == b.terms.map(\.name) && a.terms.map(\.value) == b.terms.map(\.value)
  }
}

/// An optimiser of a run, saved in its checkpoint under `name`, with its learning-rate schedule
/// (applied by the loop at each step or epoch; MultiStepLR's milestones count epochs).
public struct NamedOptimizer {
  /// The checkpoint's prefix is `optimizer.<name>.`; the empty name keeps the single-optimiser
  /// layout `optimizer.`, so runs saved before named optimisers existed still load.
  public var name: String
  public var optimizer: Optimizer
  public var schedule: LearningRateSchedule

  public init(name: String = "", _ optimizer: Optimizer, schedule: LearningRateSchedule = .constant) {
    self.name = name
    self.optimizer = optimizer
    self.schedule = schedule
  }
}

/// The optimisers an objective's step may use, by name.
public struct Optimizers {
  public let all: [NamedOptimizer]

  public init(_ all: [NamedOptimizer]) {
    precondition(!all.isEmpty, "a run needs at least one optimiser")
    precondition(Set(all.map(\.name)).count == all.count, "optimiser names must differ: \(all.map(\.name))")
    self.all = all
  }

  /// One unnamed optimiser (most runs).
  public init(_ optimizer: Optimizer, schedule: LearningRateSchedule = .constant) {
    self.init([NamedOptimizer(optimizer, schedule: schedule)])
  }

  /// The optimiser named `name`; the only one when `name` is nil.
  public subscript(name: String? = nil) -> Optimizer {
    guard let name else {
      precondition(all.count == 1, "this run has \(all.count) optimisers (\(all.map(\.name))): name the one to use")
      return all[0].optimizer
    }
    guard let found = all.first(where: { $0.name == name }) else {
      preconditionFailure("no optimiser named '\(name)' in this run (it has \(all.map(\.name)))")
    }
    return found.optimizer
  }

  /// One gradient step of `loss` with the optimiser `name` (the only one when nil): zero its
  /// gradients, backpropagate, step.
  public func minimize(_ loss: Tensor, with name: String? = nil) {
    let optimizer = self[name]
    optimizer.zeroGrad()
    loss.backward()
    optimizer.step()
  }

  /// Steps several optimisers, each on its own loss, from one forward pass: every loss's
  /// gradient with respect to its optimiser's parameters first, then every step, so no
  /// gradient is taken through parameters a step already changed (an autoencoder whose encoder
  /// and decoder minimise different losses of the same reconstruction).
  public func minimize(_ losses: [(name: String, loss: Tensor)]) {
    let optimizers = losses.map { self[$0.name] }
    let gradients = zip(losses, optimizers).enumerated().map { index, pair in
      grad(of: [pair.0.loss], wrt: pair.1.parameters, retainGraph: index + 1 < losses.count)
    }
    for (optimizer, gradient) in zip(optimizers, gradients) {
      for (parameter, g) in zip(optimizer.parameters, gradient) { parameter.grad = g }
      optimizer.step()
    }
  }
}
