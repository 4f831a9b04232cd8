import Torch

/// The s-and-t network of an image coupling: a 3 × 3 convolution to `hidden` channels, `blocks`
/// residual blocks (ReLU → 3 × 3 conv → ReLU → 3 × 3 conv, added to their input), ReLU and a
/// 3 × 3 convolution to `outputChannels`, every convolution padded to keep H × W. A plain,
/// CPU-sized stand-in for RealNVP's ResNet (flow_ssl/resnet_realnvp, which adds batch and
/// weight normalisation and skip connections). With `zeroInitialisedOutput` the last
/// convolution starts at zero, so the coupling starts as the identity.
public final class CouplingConvNet: Module, UnaryLayer {
  public let input: Conv2d
  public let blocks: [Conv2d]
  public let output: Conv2d

  public init(inputChannels: Int, hidden: Int, outputChannels: Int, blocks: Int = 1, zeroInitialisedOutput: Bool = true) {
    precondition(inputChannels >= 1 && hidden >= 1 && outputChannels >= 1 && blocks >= 0, "invalid coupling network sizes")
    input = Conv2d(inputChannels, hidden, kernelSize: 3, padding: 1)
    self.blocks = (0..<(2 * blocks)).map { _ in Conv2d(hidden, hidden, kernelSize: 3, padding: 1) }
    let last = Conv2d(hidden, outputChannels, kernelSize: 3, padding: 1)
    if zeroInitialisedOutput {
      withNoGrad {
        last.weight.fill_(0)
        last.bias?.fill_(0)
      }
    }
    output = last
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    var h = input(x)
    for b in stride(from: 0, to: blocks.count, by: 2) { h = h + blocks[b + 1](blocks[b](h.relu()).relu()) }
    return output(h.relu())
  }
}
