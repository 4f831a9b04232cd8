import Foundation
import ImageData
import Metrics
import Torch
import Uncertainty

/// Scores the model after every epoch, on fixed test images and MNIST digits, into
/// `curve.csv` and `curve.png`: test accuracy and MNIST AUROC (certainty as `ood eval`'s
/// default, max probability or DUQ's max K_c).
public final class EpochCurveRecorder {
  var files: LearningCurveFiles
  let run: FashionMNISTRun
  let test: ImageDataset
  let mnist: Tensor

  public init(folder: URL, resume: Bool, run: FashionMNISTRun, test: ImageDataset, images: Int) throws {
    files = try LearningCurveFiles(folder: folder, columns: ["test_accuracy", "auroc_mnist"], resume: resume)
    self.run = run
    self.test = images < test.count ? test.subset(Array(0..<images)) : test
    let digits = try ImageOODSet.mnist.images(test: test)
    mnist = digits[0..<Swift.min(images, digits.size(0))]
  }

  public func record(_ model: any ImageBenchmarkClassifier, epochs: Int, trainSeconds: Double) throws {
    let (inside, outside) = run.whileScoring(model) {
      (ImageScores(model: model, images: test.images, measure: .maxProbability),
       ImageScores(model: model, images: mnist, measure: .maxProbability))
    }
    let accuracy = Metrics.accuracy(probabilities: inside.probabilities, labels: test.labels.toArray(Int.self))
    let score = auroc(inDistributionConfidence: inside.certainty, outOfDistributionConfidence: outside.certainty)
    let title = "\(run.method.title) on Fashion-MNIST: \(test.count) test images, \(mnist.size(0)) MNIST digits"
    try files.record(.init(step: epochs, values: [accuracy, score], trainSeconds: trainSeconds)) {
      $0.figure(title: title, xLabel: "epochs", yLabel: "score", labels: ["test accuracy", "AUROC against MNIST"])
    }
  }
}
