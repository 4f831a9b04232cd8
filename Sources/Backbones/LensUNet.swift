import NN
import Torch

/// A small U-Net for image-to-image residuals: two 3×3 conv-ReLU levels with 2×2 max-pooling
/// down and nearest-neighbour upsampling up, the skip concatenated, and a final 1×1 convolution
/// back to the input's channels. Even heights and widths.
///
/// `zeroOutput` starts the last layer at zero, so the network's output is 0 and a residual
/// x + U(x) starts as the identity: the lens of automatic shortcut removal (Minderer et al.,
/// ICML 2020), so the pretext network first sees the unmodified images.
public final class LensUNet: Module, UnaryLayer {
  public let down1: Conv2d
  public let down2: Conv2d
  public let bottom: Conv2d
  public let up: Conv2d
  public let output: Conv2d

  public init(channels: Int, width: Int = 16, zeroOutput: Bool = true) {
    down1 = Conv2d(channels, width, kernelSize: 3, padding: 1)
    down2 = Conv2d(width, width, kernelSize: 3, padding: 1)
    bottom = Conv2d(width, 2 * width, kernelSize: 3, padding: 1)
    up = Conv2d(3 * width, width, kernelSize: 3, padding: 1)
    let output = Conv2d(width, channels, kernelSize: 1)
    if zeroOutput {
      withNoGrad {
        output.weight.fill_(0)
        output.bias?.fill_(0)
      }
    }
    self.output = output
  }

  /// The residual U(x) [N, C, H, W].
  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4 && x.size(2) % 2 == 0 && x.size(3) % 2 == 0, "LensUNet takes [N, C, even H, even W], got \(x.shape)")
    let skip = down2(down1(x).relu()).relu()
    let deep = bottom(maxPool2d(skip, kernel: (2, 2), stride: (2, 2))).relu()
    let upsampled = interpolate(deep, size: (x.size(2), x.size(3)), mode: .nearest)
    return output(up(Tensor.cat([upsampled, skip], dim: 1)).relu())
  }
}
