import NN
import Torch

/// The latent path: per-point representations of (x, y) pairs, optional self-attention, masked
/// mean, a ReLU hidden layer, then a Gaussian over z with σ = 0.1 + 0.9·sigmoid (the
/// parameterisation of both the ANP code and the NPF's `LatentNeuralProcessFamily`).
///
/// The ANP-paper architecture gives the path a pair-encoder MLP of its own on concat(x, y); the
/// NPF architecture has none (`pairEncoder` nil) and feeds it the deterministic path's
/// representations, since NPF's latent encoder reads the one pair encoder's mean.
final class LatentEncoder: Module {
  let pairEncoder: MLP?
  let selfAttention: [SelfAttentionBlock]
  let hidden: Linear
  let meanHead: Linear
  let scaleHead: Linear

  /// The ANP paper's latent path: its own pair encoder with sizes `encoderSizes`, a hidden layer
  /// halfway between the representation and latent sizes.
  convenience init(encoderSizes: [Int], latentSize: Int, selfAttentionLayers: Int, heads: Int) {
    let width = encoderSizes.last!
    self.init(
      pairEncoder: MLP(encoderSizes), width: width, hiddenWidth: (width + latentSize) / 2, latentSize: latentSize,
      selfAttentionLayers: selfAttentionLayers, heads: heads)
  }

  /// Representations of size `width` (from `pairEncoder` when given) → hidden layer of
  /// `hiddenWidth` → mean and scale heads of `latentSize`.
  init(pairEncoder: MLP?, width: Int, hiddenWidth: Int, latentSize: Int, selfAttentionLayers: Int = 0, heads: Int = 8) {
    self.pairEncoder = pairEncoder
    selfAttention = (0..<selfAttentionLayers).map { _ in SelfAttentionBlock(size: width, heads: heads) }
    hidden = Linear(width, hiddenWidth)
    meanHead = Linear(hiddenWidth, latentSize)
    scaleHead = Linear(hiddenWidth, latentSize)
  }

  /// q(z | points) from per-point representations [B, N, width] and their mask [B, N].
  func distribution(_ representations: Tensor, mask: Tensor) -> Normal {
    var s = representations
    for block in selfAttention { s = block(s, mask: mask) }
    let h = hidden(Masking.mean(s, mask: mask)).relu()
    return Normal(mean: meanHead(h), std: 0.1 + 0.9 * scaleHead(h).sigmoid())
  }
}

/// Multihead self-attention over a point set's representations (padding ignored), as stacked
/// in the ANP paper's image models.
final class SelfAttentionBlock: Module {
  let attention: MultiheadAttention

  init(size: Int, heads: Int) {
    attention = MultiheadAttention(embedDimension: size, heads: heads)
  }

  func callAsFunction(_ x: Tensor, mask: Tensor) -> Tensor {
    attention(query: x, key: x, value: x, keyMask: mask).output
  }
}
