import Datasets
import Foundation
import NN
import Torch

/// A Neural Process of any of the four kinds (CNP, NP, AttnCNP, ANP), batched and masked.
///
/// Shapes: x [B, N, Dx], y [B, N, Dy], masks [B, N] with 1 for real points and 0 for padding,
/// so one batch mixes tasks with different context and target counts. The architecture
/// follows the ANP paper's code: encoder MLPs on (x, y) pairs, a deterministic path
/// aggregated by mean or cross-attention, a latent path with σ = 0.1 + 0.9·sigmoid, and a
/// decoder on (r, z, x_target) with σ = floor + (1 − floor)·softplus (floor 0.1 by default).
public final class NeuralProcess: Module {
  public let configuration: NeuralProcessConfiguration
  let deterministicEncoder: MLP
  let deterministicSelfAttention: [SelfAttentionBlock]
  let crossAttention: CrossAttention
  let latentEncoder: LatentEncoder?
  let decoder: MLP

  public init(_ configuration: NeuralProcessConfiguration) {
    self.configuration = configuration
    let c = configuration
    let pairSize = c.xDimension + c.yDimension
    let encoderSizes = [pairSize] + Array(repeating: c.hiddenSize, count: c.encoderLayers)
    deterministicEncoder = MLP(encoderSizes)
    deterministicSelfAttention = (0..<c.selfAttentionLayers).map { _ in
      SelfAttentionBlock(size: c.hiddenSize, heads: c.heads)
    }
    crossAttention = CrossAttention(kind: c.attention, xDimension: c.xDimension, hiddenSize: c.hiddenSize, heads: c.heads)
    latentEncoder =
      c.kind.hasLatentPath
      ? LatentEncoder(encoderSizes: encoderSizes, latentSize: c.latentSize, selfAttentionLayers: c.selfAttentionLayers, heads: c.heads)
      : nil
    let decoderInput = c.hiddenSize + (c.kind.hasLatentPath ? c.latentSize : 0) + c.xDimension
    decoder = MLP([decoderInput] + Array(repeating: c.hiddenSize, count: c.decoderLayers) + [2 * c.yDimension])
  }

  /// The deterministic representation r* for each target, [B, Nt, H].
  func deterministicPath(_ context: PointSet, targetX: Tensor) -> Tensor {
    var r = deterministicEncoder(Tensor.cat([context.x, context.y], dim: -1))
    for block in deterministicSelfAttention { r = block(r, mask: context.mask) }
    return crossAttention(queries: targetX, keys: context.x, values: r, keyMask: context.mask)
  }

  /// q(z | points): the latent path's Gaussian over z, or nil for deterministic models.
  public func latentDistribution(_ points: PointSet) -> Normal? {
    latentEncoder?(points)
  }

  /// The predictive distribution at `targetX` given the context and, for latent models, a z
  /// of shape [B, latentSize] (drawn from the prior q(z | C) when omitted).
  public func predict(context: PointSet, targetX: Tensor, z: Tensor? = nil) -> Normal {
    let r = deterministicPath(context, targetX: targetX)
    var parts = [r]
    if configuration.kind.hasLatentPath {
      let z = z ?? latentDistribution(context)!.rsample()
      parts.append(z.unsqueeze(1).expand(-1, targetX.size(1), -1))
    }
    parts.append(targetX)
    let output = decoder(Tensor.cat(parts, dim: -1))
    let (mean, rawScale) = (output[.ellipsis, 0..<configuration.yDimension], output[.ellipsis, configuration.yDimension...])
    let floor = configuration.predictiveStdFloor
    return Normal(mean: mean, std: floor + (1 - floor) * rawScale.softplus())
  }

  /// `predict` for very many targets in bounded memory: targets go through in chunks of
  /// `chunkSize` (attention memory grows with chunk × context size, not targets × context),
  /// sharing one z per task. Runs without gradients.
  public func predict(context: PointSet, targetX: Tensor, z: Tensor? = nil, chunkSize: Int) -> Normal {
    withNoGrad {
      let z = configuration.kind.hasLatentPath ? (z ?? latentDistribution(context)!.sample()) : nil
      let chunks = targetX.split(
        sizes: stride(from: 0, to: targetX.size(1), by: chunkSize).map { Swift.min(chunkSize, targetX.size(1) - $0) }, dim: 1)
      let predictions = chunks.map { predict(context: context, targetX: $0, z: z) }
      return Normal(mean: Tensor.cat(predictions.map(\.mean), dim: 1), std: Tensor.cat(predictions.map(\.std), dim: 1))
    }
  }

  /// Mean and standard deviation of the predictive distribution at `targetX`: for latent models
  /// the moments of the mixture over `samples` draws of z from q(z | C). Chunked, without gradients.
  public func predictiveMoments(context: PointSet, targetX: Tensor, samples: Int = 32, chunkSize: Int = 4096) -> (mean: Tensor, std: Tensor) {
    guard configuration.kind.hasLatentPath else {
      let prediction = predict(context: context, targetX: targetX, chunkSize: chunkSize)
      return (prediction.mean, prediction.std)
    }
    let prior = withNoGrad { latentDistribution(context)! }
    var firstMoment = Tensor.zeros([targetX.size(0), targetX.size(1), configuration.yDimension], dtype: targetX.dtype)
    var secondMoment = firstMoment
    for _ in 0..<samples {
      let prediction = predict(context: context, targetX: targetX, z: prior.sample(), chunkSize: chunkSize)
      firstMoment = firstMoment + prediction.mean / Double(samples)
      secondMoment = secondMoment + (prediction.variance + prediction.mean.square()) / Double(samples)
    }
    return (firstMoment, (secondMoment - firstMoment.square()).clamp(min: 0).sqrt())
  }

  /// The training loss of a batch: −log-likelihood per target point for deterministic models, the
  /// negative ELBO per target point for latent ones:
  /// −E_q(z|C,T)[log p(y_T | x_T, r, z)] + KL(q(z|C,T) ‖ q(z|C)), both divided by the task's target count.
  /// Returns the batch mean and its parts.
  public func loss(context: PointSet, target: PointSet) -> (loss: Tensor, logLikelihood: Tensor, kl: Tensor?) {
    let targetCount = target.mask.sum(1).clamp(min: 1)
    if configuration.kind.hasLatentPath {
      let prior = latentDistribution(context)!
      let posterior = latentDistribution(target)!
      let prediction = predict(context: context, targetX: target.x, z: posterior.rsample())
      let logLikelihood = pointLogLikelihood(prediction, target) / targetCount
      let kl = klDivergence(posterior, prior).sum(-1) / targetCount
      return ((kl - logLikelihood).mean(), logLikelihood.mean(), kl.mean())
    }
    let prediction = predict(context: context, targetX: target.x)
    let logLikelihood = pointLogLikelihood(prediction, target) / targetCount
    return (-logLikelihood.mean(), logLikelihood.mean(), nil)
  }

  /// Summed log-likelihood of the real target points of each task, [B].
  func pointLogLikelihood(_ prediction: Normal, _ target: PointSet) -> Tensor {
    Masking.sum(prediction.logProb(target.y).sum(-1), mask: target.mask)
  }

  /// Per-task summed log-likelihood of `target`, [B]; latent models use a log-mean-exp over
  /// `samples` draws of z from the prior q(z | C) (the NPF benchmark's estimator).
  public func logLikelihood(context: PointSet, target: PointSet, samples: Int = 1) -> Tensor {
    guard configuration.kind.hasLatentPath else {
      return pointLogLikelihood(predict(context: context, targetX: target.x), target)
    }
    let prior = latentDistribution(context)!
    let draws = (0..<samples).map { _ in
      pointLogLikelihood(predict(context: context, targetX: target.x, z: prior.sample()), target)
    }
    return Tensor.stack(draws, dim: 0).logSumExp(0) - Foundation.log(Double(samples))
  }
}
