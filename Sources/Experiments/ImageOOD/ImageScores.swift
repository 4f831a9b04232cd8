import Torch
import Uncertainty

/// A classifier's predictions over a set of images, as plain arrays for the Metrics functions.
public struct ImageScores {
  /// One predictive distribution per image.
  public var probabilities: [[Double]]
  /// One certainty per image (higher: more in-distribution).
  public var certainty: [Double]

  /// Scores computed elsewhere.
  public init(probabilities: [[Double]], certainty: [Double]) {
    precondition(probabilities.count == certainty.count, "\(probabilities.count) predictions for \(certainty.count) certainties")
    self.probabilities = probabilities
    self.certainty = certainty
  }

  /// Scores `images` (in [0, 1]; normalised here) in batches of `batchSize`, in evaluation mode.
  public init(
    model: any ImageBenchmarkClassifier, images: Tensor, measure: CertaintyMeasure, batchSize: Int = 500
  ) {
    model.eval()
    probabilities = []
    certainty = []
    for start in stride(from: 0, to: images.size(0), by: batchSize) {
      let x = FashionMNISTRun.normalize(images[start..<Swift.min(start + batchSize, images.size(0))])
      let (p, c) = model.probabilitiesAndCertainty(x, measure: measure)
      let classes = p.size(1)
      let values = p.to(.float64).toArray(Double.self)
      probabilities += stride(from: 0, to: values.count, by: classes).map { Array(values[$0..<($0 + classes)]) }
      certainty += c.to(.float64).toArray(Double.self)
    }
  }
}
