import NN
import Torch

/// A feature extractor with a linear layer to class logits, the softmax baseline of the DUQ
/// repository (`SoftmaxModel` in utils/cnn_duq.py); a member of a deep ensemble.
public final class CNNClassifierNetwork: Module, UnaryLayer {
  public let features: FashionCNN
  public let lastLayer: Linear

  public init(features: FashionCNN, classes: Int = 10) {
    self.features = features
    lastLayer = Linear(features.featureSize, classes)
  }

  /// Logits [N, classes].
  public func callAsFunction(_ x: Tensor) -> Tensor { lastLayer(features(x)) }
}
