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
  /// The Neural Process Family's "transformer" attender: multihead attention (key and value
  /// projections without bias, no output projection), then a residual connection to the
  /// queries, layer norm, a one-hidden-layer MLP with a residual and a second layer norm.
  case transformer
}

/// Which published architecture the encoders and decoder follow; the data, the training step,
/// the ELBO and the evaluation are the same for both.
public enum NeuralProcessArchitecture: String, CaseIterable, Codable, Sendable {
  /// The ANP paper's code (Kim et al. 2019): MLPs on concat(x, y) (separate encoders for the
  /// deterministic and latent paths), a decoder MLP on concat(r, z, x).
  case anpPaper = "anp-paper"
  /// The Neural Process Family repository's 1-D models (Dubois et al. 2020, its
  /// jupyter/reproducibility notebooks): a learned x-embedding shared by both sides, encoder and
  /// decoder inputs merged by summing a resized second input into the x-embedding, one pair
  /// encoder shared by the deterministic and latent paths, the NP's decoder reading z alone.
  case npf

  /// The predictive σ floor the architecture's reference code uses.
  public var defaultMinimumStd: Double { self == .npf ? 0.01 : 0.1 }
  /// The cross-attention of attncnp/anp in the architecture's reference code.
  public var defaultAttention: AttentionKind { self == .npf ? .transformer : .multihead }
  /// Linear layers of the pair encoder MLP (anp-paper: 3 hidden + output; npf: 2 hidden + output).
  public var defaultEncoderLayers: Int { self == .npf ? 3 : 4 }
  /// Hidden layers of the decoder MLP (anp-paper: 2; npf: 4).
  public var defaultDecoderLayers: Int { self == .npf ? 4 : 2 }
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
  /// The architecture; nil means the ANP paper's (and is what checkpoints written before the
  /// choice existed hold, so they keep decoding as before).
  public var architecture: NeuralProcessArchitecture?

  /// The architecture in use.
  public var design: NeuralProcessArchitecture { architecture ?? .anpPaper }

  /// The predictive standard deviation's floor in use (nil: the architecture's, 0.1 or 0.01).
  public var predictiveStdFloor: Double { minimumStd ?? design.defaultMinimumStd }

  /// Nil arguments take the architecture's defaults; a floor equal to the architecture's and the
  /// ANP-paper architecture are stored as nil, so configurations read as they did before.
  public init(
    kind: NeuralProcessKind, architecture: NeuralProcessArchitecture = .anpPaper, attention: AttentionKind? = nil,
    xDimension: Int = 1, yDimension: Int = 1, hiddenSize: Int = 128, latentSize: Int = 128, encoderLayers: Int? = nil,
    decoderLayers: Int? = nil, selfAttentionLayers: Int = 0, heads: Int = 8, minimumStd: Double? = nil
  ) {
    self.kind = kind
    self.architecture = architecture == .anpPaper ? nil : architecture
    self.attention = kind.usesCrossAttention ? (attention ?? architecture.defaultAttention) : .uniform
    self.xDimension = xDimension
    self.yDimension = yDimension
    self.hiddenSize = hiddenSize
    self.latentSize = latentSize
    self.encoderLayers = encoderLayers ?? architecture.defaultEncoderLayers
    self.decoderLayers = decoderLayers ?? architecture.defaultDecoderLayers
    self.selfAttentionLayers = selfAttentionLayers
    self.heads = heads
    self.minimumStd = minimumStd == architecture.defaultMinimumStd ? nil : minimumStd
  }
}
