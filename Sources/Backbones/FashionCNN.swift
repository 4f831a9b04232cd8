import NN
import Torch

/// The DUQ paper's feature extractor for 28×28 grey images (y0ast/deterministic-uncertainty-
/// quantification, utils/cnn_duq.py `Model`): three blocks of 3×3 convolution, batch norm, ReLU
/// and 2×2 max-pooling (64, 128, 128 channels; the last convolution unpadded, so 28 → 14 → 7 →
/// 5 → 2), then a linear layer with ReLU to 256 features.
///
/// Parameters are named as the reference's (`conv1.weight`, `bn1.running_mean`, `fc1.bias`),
/// so its state dict and a Penumbra checkpoint read the same.
public final class FashionCNN: Module, UnaryLayer {
  public let conv1: Conv2d
  public let bn1: BatchNorm2d
  public let conv2: Conv2d
  public let bn2: BatchNorm2d
  public let conv3: Conv2d
  public let bn3: BatchNorm2d
  public let fc1: Linear
  /// Width of the output features.
  public let featureSize: Int

  /// The reference network is `channels: [64, 128, 128], featureSize: 256`; narrower ones
  /// keep tests fast.
  public init(channels: [Int] = [64, 128, 128], featureSize: Int = 256) {
    precondition(channels.count == 3, "FashionCNN has three conv blocks, got channels \(channels)")
    conv1 = Conv2d(1, channels[0], kernelSize: 3, padding: 1)
    bn1 = BatchNorm2d(channels[0])
    conv2 = Conv2d(channels[0], channels[1], kernelSize: 3, padding: 1)
    bn2 = BatchNorm2d(channels[1])
    conv3 = Conv2d(channels[1], channels[2], kernelSize: 3)
    bn3 = BatchNorm2d(channels[2])
    fc1 = Linear(2 * 2 * channels[2], featureSize)
    self.featureSize = featureSize
  }

  /// Each block's output and the features, for detectors that look inside the network (Gram
  /// matrices): [N, c₁, 14, 14], [N, c₂, 7, 7], [N, c₃, 2, 2] (after ReLU and pooling) and
  /// [N, featureSize], for inputs [N, 1, 28, 28].
  public func activations(_ x: Tensor) -> [Tensor] {
    let block1 = Self.block(x, conv1, bn1)
    let block2 = Self.block(block1, conv2, bn2)
    let block3 = Self.block(block2, conv3, bn3)
    return [block1, block2, block3, fc1(block3.flatten(from: 1)).relu()]
  }

  /// Features [N, featureSize].
  public func callAsFunction(_ x: Tensor) -> Tensor { activations(x)[3] }

  static func block(_ x: Tensor, _ conv: Conv2d, _ norm: BatchNorm2d) -> Tensor {
    maxPool2d(norm(conv(x)).relu(), kernel: (2, 2), stride: (2, 2))
  }
}
