import Torch

/// Inputs with their class labels: what a supervised step trains on.
public struct LabelledBatch {
  /// Inputs [batch, ...].
  public var x: Tensor
  /// Class indices, int64 [batch].
  public var labels: Tensor

  public init(x: Tensor, labels: Tensor) {
    self.x = x
    self.labels = labels
  }
}

/// Inputs without labels: what an autoencoder or a generative model trains on.
public struct UnlabelledBatch {
  /// Inputs [batch, ...].
  public var x: Tensor

  public init(x: Tensor) { self.x = x }
}

/// A labelled batch and an unlabelled one drawn beside it, the step of semi-supervised methods
/// (DS3L, NS3L, FlowGMM) whose unlabelled data may hold classes the labels never name.
public struct SemiSupervisedBatch {
  public var labelled: LabelledBatch
  /// Unlabelled inputs [unlabelledBatch, ...].
  public var unlabelled: Tensor

  public init(labelled: LabelledBatch, unlabelled: Tensor) {
    self.labelled = labelled
    self.unlabelled = unlabelled
  }
}

/// M transformed copies of every image of a labelled batch, with the joint labels of
/// self-supervised label augmentation (Lee, Hwang and Shin, ICML 2020): copy m of an image of
/// class y is labelled y·M + m.
public struct TransformedCopiesBatch {
  /// The copies [batch · M, ...], each image's M copies next to each other (image-major), as
  /// SLA's `torch.stack([t(x) for t in transforms], 1).view(-1, ...)` lays them out.
  public var x: Tensor
  /// Class labels of the original images, int64 [batch].
  public var labels: Tensor
  /// Transformations applied (M).
  public var copies: Int

  public init(x: Tensor, labels: Tensor, copies: Int) {
    precondition(copies > 0, "a transformed-copies batch needs at least one copy, got \(copies)")
    precondition(
      x.size(0) == labels.size(0) * copies,
      "\(x.size(0)) copies for \(labels.size(0)) labels × \(copies) transformations")
    self.x = x
    self.labels = labels
    self.copies = copies
  }

  /// Which transformation made each copy, int64 [batch · M]: 0, 1, …, M−1, 0, 1, …
  public var transformations: Tensor {
    Tensor.arange(Double(copies), dtype: .int64).repeated(labels.size(0))
  }

  /// Joint class-and-transformation labels y·M + m, int64 [batch · M].
  public var jointLabels: Tensor {
    // A scalar product promotes int64 to float; the labels are small integers, exact in float32.
    (copyLabels * Double(copies) + transformations).to(.int64)
  }

  /// Each copy's original class label, int64 [batch · M].
  public var copyLabels: Tensor { labels.unsqueeze(1).expand([labels.size(0), copies]).reshape(-1) }
}
