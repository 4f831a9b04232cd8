import Datasets
import Foundation
import GaussianProcesses
import Torch

/// Where a latent model's scoring draws z from.
public enum LatentDraws: String, Codable, Sendable, CaseIterable {
  /// q(z | C): the model's predictive distribution given the context, the honest score.
  case context
  /// q(z | T), each draw weighted by q(z | C) / q(z | T): an importance-sampled estimate of the
  /// same log-likelihood as `context`, log ∫ q(z | C) p(y_T | z) dz, whose log-mean-exp is far
  /// less biased low when q(z | C) is much wider than q(z | T) and the likelihood of all targets
  /// at once is peaked around the z that fits them (Le et al. 2018 score latent NPs this way).
  case importance
  /// q(z | T), the latent path applied to the targets (which contain the context), without
  /// importance weights: how NPF's code scores its LNP and AttnLNP (trained with `is_q_zCct`,
  /// evaluated with the targets in the batch and `is_force_mle_eval`). The z has seen the
  /// targets, so this overestimates the predictive log-likelihood; use it only to compare
  /// with NPF's published numbers.
  case targets
}

/// Per-point log-likelihoods of a Neural Process and the GP oracle on the same tasks.
public struct NeuralProcessScores: Codable, Sendable {
  /// Mean over tasks of each task's context log-likelihood per context point (tasks without
  /// context skipped; NaN, written as JSON null, when no task has context).
  public var contextLL: Double
  /// Mean over tasks of each task's target log-likelihood per target point (the NPF score when
  /// every task has 128 targets: summed log-likelihood / 128).
  public var targetLL: Double
  public var gpContextLL: Double?
  public var gpTargetLL: Double?
  public var tasks: Int
  /// z samples of the log-mean-exp estimator (1 for deterministic models).
  public var samples: Int
  /// Where the target scores' z draws came from (nil for deterministic models, and in metrics
  /// written before the choice existed: q(z | C)).
  public var zFrom: LatentDraws?

  enum CodingKeys: String, CodingKey {
    case contextLL = "context_ll", targetLL = "target_ll", gpContextLL = "gp_context_ll", gpTargetLL = "gp_target_ll"
    case tasks, samples, zFrom = "z_from"
  }

  public init(
    contextLL: Double, targetLL: Double, gpContextLL: Double?, gpTargetLL: Double?, tasks: Int, samples: Int, zFrom: LatentDraws?
  ) {
    (self.contextLL, self.targetLL, self.gpContextLL, self.gpTargetLL) = (contextLL, targetLL, gpContextLL, gpTargetLL)
    (self.tasks, self.samples, self.zFrom) = (tasks, samples, zFrom)
  }

  // JSON has no NaN: an undefined context score (no task had context) is null.
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    contextLL = try c.decodeIfPresent(Double.self, forKey: .contextLL) ?? .nan
    targetLL = try c.decode(Double.self, forKey: .targetLL)
    gpContextLL = try c.decodeIfPresent(Double.self, forKey: .gpContextLL)
    gpTargetLL = try c.decodeIfPresent(Double.self, forKey: .gpTargetLL)
    tasks = try c.decode(Int.self, forKey: .tasks)
    samples = try c.decode(Int.self, forKey: .samples)
    zFrom = try c.decodeIfPresent(LatentDraws.self, forKey: .zFrom)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(contextLL.isNaN ? nil : contextLL, forKey: .contextLL)
    try c.encode(targetLL, forKey: .targetLL)
    if let gpContextLL { try c.encode(gpContextLL.isNaN ? nil : gpContextLL, forKey: .gpContextLL) }
    try c.encodeIfPresent(gpTargetLL, forKey: .gpTargetLL)
    try c.encode(tasks, forKey: .tasks)
    try c.encode(samples, forKey: .samples)
    try c.encodeIfPresent(zFrom, forKey: .zFrom)
  }
}

/// Running sums of per-point scores over batches of tasks.
struct ScoreAccumulator {
  var sum = 0.0
  var tasks = 0

  /// Adds per-task summed log-likelihoods [B] divided by each task's real point count.
  mutating func add(summed: Tensor, counts: [Int]) {
    for (value, count) in zip(summed.toArray(Double.self), counts) where count > 0 {
      sum += value / Double(count)
      tasks += 1
    }
  }

  var mean: Double { tasks > 0 ? sum / Double(tasks) : .nan }
}

extension NeuralProcess {
  /// The default number of z samples for scoring a latent model (the NPF benchmark's: 32 for
  /// the NP, 8 for the ANP).
  public var defaultScoringSamples: Int {
    switch configuration.kind {
    case .cnp, .attncnp: 1
    case .np: 32
    case .anp: 8
    }
  }

  /// The z samples a score uses: `requested`, else the default, and 1 for deterministic models.
  func scoringSamples(_ requested: Int?) -> Int {
    configuration.kind.hasLatentPath ? (requested ?? defaultScoringSamples) : 1
  }

  /// Scores the model (and, when given, the GP oracle) on batches of tasks; latent models draw
  /// z for the target scores as `zFrom` says (the context scores always from q(z | C)).
  public func evaluate(
    batches: [CurveBatch], samples: Int? = nil, zFrom: LatentDraws = .context, withOracle: Bool = true
  ) -> NeuralProcessScores {
    let latent = configuration.kind.hasLatentPath
    let samples = scoringSamples(samples)
    var context = ScoreAccumulator()
    var target = ScoreAccumulator()
    var gpContext = ScoreAccumulator()
    var gpTarget = ScoreAccumulator()
    eval()
    for batch in batches {
      let (c, t) = batch.float32()
      withNoGrad {
        context.add(summed: logLikelihood(context: c, target: c, samples: samples), counts: c.counts)
        target.add(summed: logLikelihood(context: c, target: t, samples: samples, zFrom: zFrom), counts: t.counts)
      }
      if withOracle {
        let oracle = batch.oracleLogLikelihoods()
        gpContext.add(summed: (oracle.context * batch.context.mask).sum(1), counts: c.counts)
        gpTarget.add(summed: (oracle.target * batch.target.mask).sum(1), counts: t.counts)
      }
    }
    return NeuralProcessScores(
      contextLL: context.mean, targetLL: target.mean, gpContextLL: withOracle ? gpContext.mean : nil,
      gpTargetLL: withOracle ? gpTarget.mean : nil, tasks: target.tasks, samples: samples, zFrom: latent ? zFrom : nil)
  }
}
