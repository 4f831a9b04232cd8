/// The four models of the Neural Process family compared in the ANP paper.
public enum NeuralProcessKind: String, CaseIterable, Codable, Sendable {
  /// Conditional NP (Garnelo et al. 2018a): deterministic path, mean aggregation.
  case cnp
  /// Latent NP (Garnelo et al. 2018b): latent path beside the deterministic one, trained on the ELBO.
  case np
  /// CNP whose deterministic path uses cross-attention.
  case attncnp
  /// Attentive NP (Kim et al. 2019): NP whose deterministic path uses cross-attention.
  case anp

  public var hasLatentPath: Bool { self == .np || self == .anp }
  public var usesCrossAttention: Bool { self == .attncnp || self == .anp }
}

/// How target inputs read the context representations in the deterministic path.
public enum AttentionKind: String, CaseIterable, Codable, Sendable {
  /// Every target gets the mean of the context representations (the plain NP).
  case uniform
  /// Weights exp(−‖q − k‖₁ / scale), normalised over the context.
  case laplace
  /// Scaled dot product softmax(q·k / √d).
  case dot
  /// Multihead scaled dot product (8 heads) with learned projections.
  case multihead
}

/// Architecture of a Neural Process; saved in checkpoints as JSON.
public struct NeuralProcessConfiguration: Codable, Sendable, Equatable {
  public var kind: NeuralProcessKind
  /// Cross-attention of the deterministic path (ignored for CNP and NP, which use `uniform`).
  public var attention: AttentionKind
  public var xDimension: Int
  public var yDimension: Int
  public var hiddenSize: Int
  public var latentSize: Int
  /// Layers of each encoder MLP (the ANP paper uses 3 hidden + 1 output layer).
  public var encoderLayers: Int
  /// Hidden layers of the decoder MLP before its output layer.
  public var decoderLayers: Int
  /// Stacked multihead self-attention layers over the context in both paths (the "Stacked Multihead ANP").
  public var selfAttentionLayers: Int
  public var heads: Int
  /// Floor of the predictive σ = floor + (1 − floor)·softplus: nil means 0.1 (the ANP paper's
  /// code); the Neural Process Family benchmark uses 0.01. Optional so that checkpoints written
  /// before it existed keep their configuration.
  public var minimumStd: Double?

  /// The predictive standard deviation's floor in use.
  public var predictiveStdFloor: Double { minimumStd ?? 0.1 }

  public init(
    kind: NeuralProcessKind, attention: AttentionKind = .multihead, xDimension: Int = 1, yDimension: Int = 1,
    hiddenSize: Int = 128, latentSize: Int = 128, encoderLayers: Int = 4, decoderLayers: Int = 2,
    selfAttentionLayers: Int = 0, heads: Int = 8, minimumStd: Double? = nil
  ) {
    self.kind = kind
    self.attention = kind.usesCrossAttention ? attention : .uniform
    self.xDimension = xDimension
    self.yDimension = yDimension
    self.hiddenSize = hiddenSize
    self.latentSize = latentSize
    self.encoderLayers = encoderLayers
    self.decoderLayers = decoderLayers
    self.selfAttentionLayers = selfAttentionLayers
    self.heads = heads
    self.minimumStd = minimumStd
  }
}
