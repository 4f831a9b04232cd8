import Datasets
import NN
import Torch

/// The latent path: an MLP on (x, y) pairs, optional self-attention, masked mean, then a
/// Gaussian over z with σ = 0.1 + 0.9·sigmoid (the ANP code's parameterisation).
final class LatentEncoder: Module {
  let pairEncoder: MLP
  let selfAttention: [SelfAttentionBlock]
  let hidden: Linear
  let meanHead: Linear
  let scaleHead: Linear

  init(encoderSizes: [Int], latentSize: Int, selfAttentionLayers: Int, heads: Int) {
    pairEncoder = MLP(encoderSizes)
    let width = encoderSizes.last!
    selfAttention = (0..<selfAttentionLayers).map { _ in SelfAttentionBlock(size: width, heads: heads) }
    hidden = Linear(width, (width + latentSize) / 2)
    meanHead = Linear((width + latentSize) / 2, latentSize)
    scaleHead = Linear((width + latentSize) / 2, latentSize)
  }

  func callAsFunction(_ points: PointSet) -> Normal {
    var s = pairEncoder(Tensor.cat([points.x, points.y], dim: -1))
    for block in selfAttention { s = block(s, mask: points.mask) }
    let h = hidden(Masking.mean(s, mask: points.mask)).relu()
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
