import NN
import Torch

/// The MNIST classifier of DS3L (Guo et al., "Safe Deep Semi-Supervised Learning for
/// Unseen-Class Unlabeled Data", ICML 2020), as the official code builds it (guolz-ml/DS3L,
/// wideresnet.py `CNN`): 3×3 convolution 1→16 (padding 1), max-pooling 3×3 with stride 2 and
/// padding 1, ReLU, 3×3 convolution 16→32 (padding 1), the same pooling, ReLU, dropout 0.5 and a
/// linear layer from the 32×7×7 features to the class logits. A 28×28 image becomes 14×14, then
/// 7×7. Every layer keeps PyTorch's default initialisation, as the official `MetaConv2d` and
/// `MetaLinear` copy theirs from `nn.Conv2d` and `nn.Linear`.
///
/// The official code feeds it raw byte intensities (0–255: load_dataset.py takes
/// `dataset.data` and skips its own normalising transform); `ImageDataset` holds 0–1, which a
/// caller may rescale.
public final class DS3LCNN: Module, UnaryLayer {
  /// `conv.0` in the official state dict.
  public let conv1: Conv2d
  /// `conv.3` in the official state dict.
  public let conv2: Conv2d
  public let dropout: Dropout
  /// `dense.1` in the official state dict.
  public let fc: Linear
  /// Side of the square input images (28 for MNIST and Fashion-MNIST).
  public let imageSize: Int

  /// A classifier of `classes` logits (6 in the paper's MNIST set-up: classes 0–5 seen) for
  /// single-channel `imageSize`×`imageSize` images.
  public init(classes: Int, imageSize: Int = 28, dropout p: Double = 0.5) {
    precondition(classes >= 2, "DS3LCNN needs at least two classes, got \(classes)")
    precondition(imageSize >= 1, "DS3LCNN needs a positive image size, got \(imageSize)")
    conv1 = Conv2d(1, 16, kernelSize: 3, padding: 1)
    conv2 = Conv2d(16, 32, kernelSize: 3, padding: 1)
    dropout = Dropout(p)
    fc = Linear(32 * Self.pooled(Self.pooled(imageSize)) * Self.pooled(Self.pooled(imageSize)), classes)
    self.imageSize = imageSize
  }

  /// The side after one max-pooling of kernel 3, stride 2, padding 1: ⌊(n + 2 − 3) / 2⌋ + 1.
  static func pooled(_ n: Int) -> Int { (n - 1) / 2 + 1 }

  /// Logits [N, classes] of images [N, 1, imageSize, imageSize]; dropout is active in training mode.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    precondition(
      x.rank == 4 && x.size(1) == 1 && x.size(2) == imageSize && x.size(3) == imageSize,
      "DS3LCNN takes images [N, 1, \(imageSize), \(imageSize)], got \(x.shape)")
    var h = maxPool2d(conv1(x), kernel: (3, 3), stride: (2, 2), padding: (1, 1)).relu()
    h = maxPool2d(conv2(h), kernel: (3, 3), stride: (2, 2), padding: (1, 1)).relu()
    return fc(dropout(h.flatten(from: 1)))
  }
}
