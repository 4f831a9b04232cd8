import Datasets
import Foundation
import NN
import Torch

/// A Neural Process of any of the four kinds (CNP, NP, AttnCNP, ANP), batched and masked.
///
/// Shapes: x [B, N, Dx], y [B, N, Dy], masks [B, N] with 1 for real points and 0 for padding,
/// so one batch mixes tasks with different context and target counts. Two architectures
/// (`NeuralProcessArchitecture`) share everything but the layers:
///
/// - ANP paper's code: encoder MLPs on (x, y) pairs, a deterministic path aggregated by mean or
///   cross-attention, a latent path with its own encoder, and a decoder on (r, z, x_target).
/// - NPF's 1-D models: x goes through an MLP embedding (1 hidden layer) on both sides; a pair's
///   representation is MLP(ReLU(x-embedding + resize(y))) (NPF's `merge_flat_input` with
///   `is_sum_merge`), shared by the deterministic path and the latent path (an MLP on its mean);
///   the decoder is MLP(ReLU(target x-embedding + resize(representation))), where the
///   representation is r for CNP/AttnCNP, z alone for the NP (NPF's `encoded_path="latent"`)
///   and ReLU(Linear(concat(r, z))) for the ANP.
///
/// The latent path's σ is 0.1 + 0.9·sigmoid in both; the predictive σ is
/// floor + (1 − floor)·softplus (floor 0.1 for the ANP paper, 0.01 for NPF, by default).
public final class NeuralProcess: Module {
  public let configuration: NeuralProcessConfiguration
  /// NPF: the x-embedding MLP shared by context and target inputs (nil: raw x, the ANP paper's).
  let xEncoder: MLP?
  /// NPF: resizes y to the x-embedding's size before the pair encoder's sum merge.
  let pairResizer: MLP?
  /// Pair encoder: an MLP on concat(x, y) (ANP paper) or on the sum-merged pair (NPF).
  let deterministicEncoder: MLP
  let deterministicSelfAttention: [SelfAttentionBlock]
  let crossAttention: CrossAttention
  let latentEncoder: LatentEncoder?
  /// NPF's ANP: ReLU(Linear(concat(r, z))) merges the two paths before the decoder.
  let latentMerger: Linear?
  /// NPF: resizes the representation to the x-embedding's size before the decoder's sum merge.
  let decoderResizer: MLP?
  let decoder: MLP

  public init(_ configuration: NeuralProcessConfiguration) {
    self.configuration = configuration
    let c = configuration
    switch c.design {
    case .anpPaper:
      let pairSize = c.xDimension + c.yDimension
      let encoderSizes = [pairSize] + Array(repeating: c.hiddenSize, count: c.encoderLayers)
      xEncoder = nil
      pairResizer = nil
      deterministicEncoder = MLP(encoderSizes)
      deterministicSelfAttention = (0..<c.selfAttentionLayers).map { _ in
        SelfAttentionBlock(size: c.hiddenSize, heads: c.heads)
      }
      crossAttention = CrossAttention(kind: c.attention, xDimension: c.xDimension, hiddenSize: c.hiddenSize, heads: c.heads)
      latentEncoder =
        c.kind.hasLatentPath
        ? LatentEncoder(encoderSizes: encoderSizes, latentSize: c.latentSize, selfAttentionLayers: c.selfAttentionLayers, heads: c.heads)
        : nil
      latentMerger = nil
      decoderResizer = nil
      let decoderInput = c.hiddenSize + (c.kind.hasLatentPath ? c.latentSize : 0) + c.xDimension
      decoder = MLP([decoderInput] + Array(repeating: c.hiddenSize, count: c.decoderLayers) + [2 * c.yDimension])
    case .npf:
      precondition(c.selfAttentionLayers == 0, "the NPF architecture's 1-D models have no self-attention layers")
      let r = c.hiddenSize
      xEncoder = MLP([c.xDimension, r, r])
      pairResizer = Self.npfResizer(c.yDimension, r)
      // NPF's notebooks widen the CNP/LNP pair encoder to 2·r_dim "to have similar number of
      // parameters than other NPFs"; AttnCNP/AttnLNP keep r_dim.
      let width = c.kind.usesCrossAttention ? r : 2 * r
      deterministicEncoder = MLP([r] + Array(repeating: width, count: c.encoderLayers - 1) + [r])
      deterministicSelfAttention = []
      crossAttention = CrossAttention(kind: c.attention, xDimension: c.xDimension, hiddenSize: r, heads: c.heads, embedsPositions: false)
      latentEncoder = c.kind.hasLatentPath ? LatentEncoder(pairEncoder: nil, width: r, hiddenWidth: r, latentSize: c.latentSize) : nil
      latentMerger = c.kind == .anp ? Linear(r + c.latentSize, r) : nil
      decoderResizer = Self.npfResizer(c.kind == .np ? c.latentSize : r, r)
      decoder = MLP([r] + Array(repeating: r, count: c.decoderLayers) + [2 * c.yDimension])
    }
    super.init()
    if c.design == .npf { initializeLikeNPF() }
  }

  /// The initialisation of the NPF architecture: MLP hidden layers Kaiming-uniform for ReLU
  /// (bound √(6/fan_in)), output layers Xavier-uniform, biases zero (PyTorch's default, bound
  /// 1/√fan_in with uniform biases, shrinks the signal through NPF's deep sum-merged decoder);
  /// the attender's key, query and value projections N(0, 2/(size + head size)), as NPF's.
  /// This is not exactly what NPF's code ends up doing: its `linear_init` means Kaiming for the
  /// hidden layers, but its `get_activation_name` returns the activation's class, not its name,
  /// for the `nn.ReLU()` its MLPs pass, so their hidden weights keep PyTorch's default (with
  /// zero biases), and its output layers get Kaiming-uniform (docs/results.md: tried on periodic
  /// curves, no difference). Everything else (the ANP's r–z merger, the query bias, the layer
  /// norms) keeps PyTorch's default, as in NPF, whose `weights_init` skips every submodule of a
  /// module that has `reset_parameters`.
  private func initializeLikeNPF() {
    var mlps = [xEncoder, pairResizer, deterministicEncoder, decoderResizer, decoder].compactMap { $0 }
    if let feedForward = crossAttention.transformer?.feedForward { mlps.append(feedForward) }
    withNoGrad {
      if let attention = crossAttention.transformer {
        let size = attention.keyProjection.inputSize
        let std = (2 / Double(size + size / attention.heads)).squareRoot()
        for projection in [attention.keyProjection, attention.queryProjection, attention.valueProjection] {
          projection.weight.copy_(Tensor.normal(projection.weight.shape, std: std))
        }
      }
      for mlp in mlps {
        for layer in mlp.layers.dropLast() { Self.reset(layer, weight: Init.kaimingUniform(layer.weight.shape)) }
        let output = mlp.layers.last!
        Self.reset(output, weight: Init.xavierUniform(output.weight.shape))
      }
      if let latentEncoder {
        let hidden = latentEncoder.hidden
        Self.reset(hidden, weight: Init.kaimingUniform(hidden.weight.shape))
        // NPF's latent MLP ends in one layer of 2·latent outputs, split here into mean and
        // scale heads: each gets the Xavier bound of that whole layer.
        for head in [latentEncoder.meanHead, latentEncoder.scaleHead] {
          let bound = (6 / Double(head.inputSize + 2 * head.outputSize)).squareRoot()
          Self.reset(head, weight: Init.uniform(head.weight.shape, bound: bound))
        }
      }
    }
  }

  /// Sets the layer's weight to `weight` and its bias to 0.
  private static func reset(_ layer: Linear, weight: Tensor) {
    layer.weight.copy_(weight)
    layer.bias?.fill_(0)
  }

  /// NPF's `MLP(input, output)` with its defaults: one hidden layer of 32, widened to
  /// min(input, output) when that is larger.
  static func npfResizer(_ input: Int, _ output: Int) -> MLP {
    MLP([input, Swift.max(32, Swift.min(input, output)), output])
  }

  /// The inputs as the encoders and decoder read them: the NPF x-embedding, or x itself.
  func embed(_ x: Tensor) -> Tensor { xEncoder.map { $0(x) } ?? x }

  /// Per-point representations of (x, y) pairs, [B, N, H], from embedded inputs `x`.
  func encodePairs(x: Tensor, y: Tensor) -> Tensor {
    guard let pairResizer else { return deterministicEncoder(Tensor.cat([x, y], dim: -1)) }
    return deterministicEncoder((x + pairResizer(y)).relu())
  }

  /// Per-point work on target inputs that the decoder and cross-attention read.
  struct EncodedTargets {
    /// Raw inputs [B, N, Dx] (the ANP paper's decoder reads them).
    let x: Tensor
    /// NPF's x-embedding, or x; [1, N, ·] when the inputs are one set shared by the batch.
    let embedding: Tensor
    /// Cross-attention queries; nil for uniform attention or a decoder without the deterministic path.
    let positions: Tensor?
  }

  /// Per-point work on a context that the deterministic path reads.
  struct EncodedContext {
    /// Cross-attention keys (nil for uniform attention).
    let positions: Tensor?
    /// The representations r_i (after self-attention), [B, Nc, H].
    let representations: Tensor
    let mask: Tensor
  }

  func encodeTargets(_ x: Tensor) -> EncodedTargets {
    // Inputs that are one set broadcast over the batch (an `expand`ed view, e.g. an image's
    // pixel grid) are embedded and positioned once; the layers downstream broadcast them.
    let embedding = embed(x.size(0) > 1 && x.strides[0] == 0 ? x[0..<1] : x)
    return EncodedTargets(
      x: x, embedding: embedding, positions: decoderReadsDeterministicPath ? crossAttention.positions(embedding) : nil)
  }

  /// The context's per-point work for the deterministic path (nil when the decoder does not read
  /// it). A caller that already has the embedded inputs, the key positions or (NPF, whose paths
  /// share one pair encoder) the pair representations passes them in, and they are not recomputed.
  func encodeContext(_ context: PointSet, embedding: Tensor? = nil, positions: Tensor? = nil, pairs: Tensor? = nil) -> EncodedContext? {
    guard decoderReadsDeterministicPath else { return nil }
    lazy var x = embedding ?? embed(context.x)
    var r = pairs ?? encodePairs(x: x, y: context.y)
    for block in deterministicSelfAttention { r = block(r, mask: context.mask) }
    return EncodedContext(positions: positions ?? crossAttention.positions(x), representations: r, mask: context.mask)
  }

  /// The deterministic representation r* for each target, [B, Nt, H] ([B, 1, H] when it is the
  /// same for all targets: uniform attention).
  func deterministicPath(_ context: EncodedContext, targets: EncodedTargets) -> Tensor {
    crossAttention(queries: targets.positions, keys: context.positions, values: context.representations, keyMask: context.mask)
  }

  /// Whether the decoder reads the deterministic path: all but NPF's NP, whose decoder reads z alone.
  var decoderReadsDeterministicPath: Bool { !(configuration.design == .npf && configuration.kind == .np) }

  /// Per-point representations the latent path aggregates: its own pair encoder's (ANP paper) or
  /// the model's one pair encoder's (NPF), from the points and their embedded inputs.
  func latentPairs(_ points: PointSet, embedding: @autoclosure () -> Tensor) -> Tensor {
    guard let pairEncoder = latentEncoder?.pairEncoder else { return encodePairs(x: embedding(), y: points.y) }
    return pairEncoder(Tensor.cat([points.x, points.y], dim: -1))
  }

  /// q(z | points): the latent path's Gaussian over z, or nil for deterministic models.
  public func latentDistribution(_ points: PointSet) -> Normal? {
    guard let latentEncoder else { return nil }
    return latentEncoder.distribution(latentPairs(points, embedding: embed(points.x)), mask: points.mask)
  }

  /// The predictive distribution at `targetX` given the context and, for latent models, a z
  /// of shape [B, latentSize] (drawn from the prior q(z | C) when omitted).
  public func predict(context: PointSet, targetX: Tensor, z: Tensor? = nil) -> Normal {
    let z = configuration.kind.hasLatentPath ? (z ?? latentDistribution(context)!.rsample()) : nil
    return predictions(context: context, targetX: targetX, draws: [z], chunkSize: targetX.size(1))[0]
  }

  /// The decoder's predictive distribution for encoded targets, their deterministic
  /// representation r* (nil when the decoder does not read it) and a z of shape [B, latentSize]
  /// (nil without a latent path).
  func decode(_ targets: EncodedTargets, deterministic: Tensor?, z: Tensor?) -> Normal {
    var parts = deterministic.map { [$0] } ?? []
    // z stays [B, 1, L]: the layers that read it broadcast it over the targets, so its share of
    // their work is done once per task.
    if let z { parts.append(z.unsqueeze(1)) }
    let output: Tensor
    if let decoderResizer {
      let representation = latentMerger.map { $0(concatenationOf: parts).relu() } ?? parts[0]
      output = decoder((targets.embedding + decoderResizer(representation)).relu())
    } else {
      output = decoder(concatenationOf: parts + [targets.x])
    }
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
      return predictions(context: context, targetX: targetX, draws: [z], chunkSize: chunkSize)[0]
    }
  }

  /// The predictive distributions at `targetX` under `samples` draws of z from q(z | C) (a single
  /// prediction for deterministic models). The draws share the deterministic path, the costly
  /// part of an attentive model; targets go through in chunks of `chunkSize`. Runs without gradients.
  public func samplePredictions(context: PointSet, targetX: Tensor, samples: Int, chunkSize: Int = 4096) -> [Normal] {
    withNoGrad {
      let latent = latentDistribution(context)
      let draws = latent.map { latent in (0..<samples).map { _ in Optional(latent.sample()) } } ?? [nil]
      return predictions(context: context, targetX: targetX, draws: draws, chunkSize: chunkSize)
    }
  }

  /// The predictions that score `target`: `samples` of them, z drawn as `zFrom` says, and for
  /// `.importance` each draw's log importance weight log q(z | C) − log q(z | T), [B]; a single
  /// prediction for deterministic models. Runs without gradients.
  func scoringPredictions(
    context: PointSet, target: PointSet, samples: Int, zFrom: LatentDraws
  ) -> (predictions: [Normal], logWeights: [Tensor]?) {
    withNoGrad {
      guard zFrom != .context, let prior = latentDistribution(context) else {
        return (samplePredictions(context: context, targetX: target.x, samples: samples), nil)
      }
      let proposal = latentDistribution(target)!
      let draws = (0..<samples).map { _ in proposal.sample() }
      let predicted = predictions(context: context, targetX: target.x, draws: draws, chunkSize: 4096)
      guard zFrom == .importance else { return (predicted, nil) }
      return (predicted, draws.map { prior.logProb($0).sum(-1) - proposal.logProb($0).sum(-1) })
    }
  }

  /// One prediction per z in `draws` (nil: no latent path), targets in chunks, the context's
  /// per-point work done once. With a single chunk (training's case) nothing is split or
  /// concatenated.
  private func predictions(context: PointSet, targetX: Tensor, draws: [Tensor?], chunkSize: Int) -> [Normal] {
    let encodedContext = encodeContext(context)
    let targets = targetX.size(1)
    let chunks =
      targets <= chunkSize
      ? [targetX] : targetX.split(sizes: stride(from: 0, to: targets, by: chunkSize).map { Swift.min(chunkSize, targets - $0) }, dim: 1)
    let byChunk = chunks.map { chunk in
      let encodedTargets = encodeTargets(chunk)
      let deterministic = encodedContext.map { deterministicPath($0, targets: encodedTargets) }
      return draws.map { decode(encodedTargets, deterministic: deterministic, z: $0) }
    }
    if byChunk.count == 1 { return byChunk[0] }
    return draws.indices.map { d in
      Normal(mean: Tensor.cat(byChunk.map { $0[d].mean }, dim: 1), std: Tensor.cat(byChunk.map { $0[d].std }, dim: 1))
    }
  }

  /// Mean and standard deviation of the predictive distribution at `targetX`: for latent models
  /// the moments of the mixture over `samples` draws of z from q(z | C). Chunked, without gradients.
  public func predictiveMoments(context: PointSet, targetX: Tensor, samples: Int = 32, chunkSize: Int = 4096) -> (mean: Tensor, std: Tensor) {
    Self.mixtureMoments(samplePredictions(context: context, targetX: targetX, samples: samples, chunkSize: chunkSize))
  }

  /// Mean and standard deviation of a mixture of Normals [B, …], equally weighted or with
  /// per-task log weights [B] for each component (normalised over the components).
  public static func mixtureMoments(_ components: [Normal], logWeights: [Tensor]? = nil) -> (mean: Tensor, std: Tensor) {
    guard components.count > 1 else { return (components[0].mean, components[0].std) }
    let means = Tensor.stack(components.map(\.mean), dim: 0)
    let secondMoments = Tensor.stack(components.map { $0.variance + $0.mean.square() }, dim: 0)
    let average: (Tensor) -> Tensor
    if let logWeights {
      var weights = Tensor.stack(logWeights, dim: 0).softmax(dim: 0)
      while weights.rank < means.rank { weights = weights.unsqueeze(-1) }
      average = { ($0 * weights).sum(0) }
    } else {
      average = { $0.mean(0) }
    }
    let mean = average(means)
    return (mean, (average(secondMoments) - mean.square()).clamp(min: 0).sqrt())
  }

  /// The training loss of a batch: −log-likelihood per target point for deterministic models, the
  /// negative ELBO per target point for latent ones:
  /// −E_q(z|C,T)[log p(y_T | x_T, r, z)] + KL(q(z|C,T) ‖ q(z|C)), both divided by the task's target count.
  /// Returns the batch mean and its parts.
  ///
  /// `contextIndices` (int64 [B, Nc], any valid index on padding rows) says where each context
  /// point lies among its task's targets, as the samplers know when contexts are drawn from the
  /// targets. The per-point work the model does on the targets anyway (input embeddings,
  /// attention positions, latent pair representations) is then gathered for the contexts
  /// instead of recomputed; the loss is the same.
  public func loss(context: PointSet, target: PointSet, contextIndices: Tensor? = nil) -> (loss: Tensor, logLikelihood: Tensor, kl: Tensor?) {
    assert(contextIndices.map { Self.isContext(context, among: target, at: $0) } ?? true, "contextIndices do not point at the contexts")
    let targetCount = target.mask.sum(1).clamp(min: 1)
    let targets = encodeTargets(target.x)
    let fromTargets = { (perTarget: Tensor?) in
      contextIndices.flatMap { indices in perTarget.map { $0.expand([target.batchSize, $0.size(1), $0.size(2)]).gatherRows(indices) } }
    }
    // The ANP paper's models read raw x: nothing to gather.
    lazy var contextEmbedding = xEncoder == nil ? context.x : fromTargets(targets.embedding) ?? embed(context.x)
    var z: Tensor?
    var kl: Tensor?
    var sharedPairs: Tensor?
    if let latentEncoder {
      let targetPairs = latentPairs(target, embedding: targets.embedding)
      let contextPairs = fromTargets(targetPairs) ?? latentPairs(context, embedding: contextEmbedding)
      let prior = latentEncoder.distribution(contextPairs, mask: context.mask)
      let posterior = latentEncoder.distribution(targetPairs, mask: target.mask)
      z = posterior.rsample()
      kl = klDivergence(posterior, prior).sum(-1) / targetCount
      // NPF's latent path reads the deterministic path's pair encoder: one computation for both.
      if latentEncoder.pairEncoder == nil { sharedPairs = contextPairs }
    }
    let encodedContext = encodeContext(
      context, embedding: contextEmbedding, positions: fromTargets(targets.positions), pairs: sharedPairs)
    let prediction = decode(targets, deterministic: encodedContext.map { deterministicPath($0, targets: targets) }, z: z)
    let logLikelihood = pointLogLikelihood(prediction, target) / targetCount
    guard let kl else { return (-logLikelihood.mean(), logLikelihood.mean(), nil) }
    return ((kl - logLikelihood).mean(), logLikelihood.mean(), kl.mean())
  }

  /// Whether the real context points are the targets at `indices` (checked in debug builds).
  static func isContext(_ context: PointSet, among target: PointSet, at indices: Tensor) -> Bool {
    let mask = context.mask.unsqueeze(-1)
    return withNoGrad {
      ((target.x.gatherRows(indices) - context.x) * mask).abs().max().item() == 0
        && ((target.y.gatherRows(indices) - context.y) * mask).abs().max().item() == 0
    }
  }

  /// Summed log-likelihood of the real target points of each task, [B].
  func pointLogLikelihood(_ prediction: Normal, _ target: PointSet) -> Tensor {
    Masking.sum(prediction.logProb(target.y).sum(-1), mask: target.mask)
  }

  /// Per-task summed log-likelihood of `target`, [B]; latent models use a log-mean-exp over
  /// `samples` draws of z, from q(z | C) by default (`LatentDraws`). Runs without gradients.
  public func logLikelihood(context: PointSet, target: PointSet, samples: Int = 1, zFrom: LatentDraws = .context) -> Tensor {
    let scored = scoringPredictions(context: context, target: target, samples: samples, zFrom: zFrom)
    return Self.logMeanExp(scored.predictions.map { pointLogLikelihood($0, target) }, logWeights: scored.logWeights)
  }

  /// log((1/S) Σ_s w_s exp(draws[s])), elementwise over the S draws, with log w_s = `logWeights[s]`
  /// (nil: w_s = 1).
  static func logMeanExp(_ draws: [Tensor], logWeights: [Tensor]? = nil) -> Tensor {
    let weighted = logWeights.map { zip(draws, $0).map { $0 + $1 } } ?? draws
    return Tensor.stack(weighted, dim: 0).logSumExp(0) - Foundation.log(Double(draws.count))
  }
}
