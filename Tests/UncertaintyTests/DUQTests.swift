import Datasets
import Experiments
import Foundation
import NN
import Testing
import Torch
import Uncertainty

/// Serialized: the tests seed libtorch's global generator.
@Suite(.serialized) struct DUQTests {
  /// A float64 DUQ head small enough for finite differences; tanh so every second derivative
  /// the penalty's gradient goes through is non-zero.
  static func tinyModel() -> DUQ<MLP> {
    Torch.manualSeed(3)
    let configuration = DUQConfiguration(
      featureSize: 3, embeddingSize: 2, classes: 2, lengthScale: 1, gamma: 0.9, gradientPenaltyWeight: 1,
      initialCount: 1, weightStd: 0.5)
    let model = DUQ(features: MLP([2, 4, 3], activation: .tanh), configuration: configuration)
    model.to(.float64)
    return model
  }

  @Test func gradientPenaltyGradientMatchesFiniteDifferences() throws {
    let model = Self.tinyModel()
    let x = Tensor.randn([5, 2], dtype: .float64)
    model.zeroGrad()
    model.gradientPenalty(at: x).backward()
    let h = 1e-6
    let checked = model.namedParameters().filter { ["weight", "features.layers.0.weight"].contains($0.name) }
    #expect(checked.count == 2)
    for (name, parameter) in checked {
      let analytic = try #require(parameter.grad).toArray(Double.self)
      #expect(analytic.map(abs).max()! > 1e-3, "\(name): the penalty should depend on it")
      let values = parameter.toArray(Double.self)
      for i in values.indices {
        func penalty(_ offset: Double) -> Double {
          var shifted = values
          shifted[i] += offset
          withNoGrad { parameter.copy_(Tensor(shifted, shape: parameter.shape, dtype: .float64)) }
          return model.gradientPenalty(at: x).item()
        }
        let numeric = (penalty(h) - penalty(-h)) / (2 * h)
        #expect(abs(numeric - analytic[i]) < 1e-6 + 1e-5 * abs(numeric), "\(name)[\(i)]: \(analytic[i]) vs \(numeric)")
      }
      withNoGrad { parameter.copy_(Tensor(values, shape: parameter.shape, dtype: .float64)) }
    }
  }

  /// A head whose embedding of class c is x_c (identity features, W_c = e_cᵀ), with counts
  /// N = [4, 2] and sums m = [[10, 6]], so centroids start at [2.5, 3].
  static func handModel(gamma: Double) -> DUQ<ActivationLayer> {
    let configuration = DUQConfiguration(
      featureSize: 2, embeddingSize: 1, classes: 2, lengthScale: 1, gamma: gamma, gradientPenaltyWeight: 1,
      initialCount: 1, weightStd: 1)
    let model = DUQ(features: ActivationLayer(.identity), configuration: configuration)
    withNoGrad {
      model.weight.copy_(Tensor([1, 0, 0, 1] as [Float], shape: [1, 2, 2]))
      model.classCounts.copy_(Tensor([4, 2] as [Float]))
      model.embeddingSums.copy_(Tensor([10, 6] as [Float], shape: [1, 2]))
    }
    return model
  }

  @Test func stateNamesFollowTheModuleConvention() {
    let names = Self.tinyModel().stateDict().map(\.name)
    // A module's own tensors come before its submodules', as `Module.stateDict` lists them.
    #expect(names == [
      "weight", "class_counts", "embedding_sums", "features.layers.0.weight", "features.layers.0.bias",
      "features.layers.1.weight", "features.layers.1.bias",
    ])
    #expect(Self.tinyModel().namedBuffers().map(\.name) == ["class_counts", "embedding_sums"])
  }

  @Test func centroidMovingAverageMatchesHandComputation() {
    let model = Self.handModel(gamma: 0.75)
    let x = Tensor([2, 4, 6, 8, 1, 3] as [Float], shape: [3, 2])
    let oneHot = Tensor([1, 0, 1, 0, 0, 1] as [Float], shape: [3, 2])
    model.updateCentroids(x, oneHot: oneHot)
    // Class 0 holds x = (2, 4) and (6, 8), embedded as 2 and 6; class 1 holds (1, 3), embedded as 3.
    // N = 0.75 · [4, 2] + 0.25 · [2, 1] = [3.5, 1.75]; m = 0.75 · [10, 6] + 0.25 · [2 + 6, 3] = [9.5, 5.25].
    #expect(model.classCounts.toArray(Double.self) == [3.5, 1.75])
    #expect(model.embeddingSums.toArray(Double.self) == [9.5, 5.25])
    let centroids = model.centroids.toArray(Double.self)
    #expect(abs(centroids[0] - 9.5 / 3.5) < 1e-6 && abs(centroids[1] - 3) < 1e-6)
  }

  @Test func kernelIsTheRBFOfTheDistanceToEachCentroid() {
    let model = Self.handModel(gamma: 0.5)
    // Embeddings (2.5, 5) against centroids (2.5, 3): K = [1, exp(−(5 − 3)² / 2)].
    let values = model(Tensor([2.5, 5] as [Float], shape: [1, 2])).toArray(Double.self)
    #expect(abs(values[0] - 1) < 1e-6)
    #expect(abs(values[1] - Foundation.exp(-2)) < 1e-6)
    let prediction = model.predict(Tensor([2.5, 5] as [Float], shape: [1, 2]))
    #expect(prediction.classes.toArray(Int.self) == [0])
    #expect(abs(prediction.certainty.item() - 1) < 1e-6)
  }

  /// Test accuracy, mean certainty on the training points and the largest certainty far from them.
  static func scores(_ model: DUQ<MLP>, _ experiment: TwoMoonsExperiment) -> (accuracy: Double, onData: Double, far: Double) {
    let test = experiment.testSet
    let far = Tensor([10, 10, -8, 6, 3, -9] as [Float], shape: [3, 2])
    return (
      model.accuracy(test.points, labels: test.labels), model.predict(experiment.trainingSet.points).certainty.mean().item(),
      model.predict(far).certainty.amax().item()
    )
  }

  @Test func learnsTwoMoonsAndIsUncertainFarFromThem() throws {
    var experiment = TwoMoonsExperiment()
    experiment.trainPoints = 1000
    experiment.seed = 1
    // The thresholds below must reject an untrained head (this seed's scores 17%, certainty ≈ 0.006 on the data).
    let untrained = Self.scores(experiment.makeDUQ(), experiment)
    #expect(untrained.accuracy <= 0.9)
    #expect(untrained.far >= untrained.onData - 0.5)

    let model = experiment.makeDUQ()
    try experiment.trainDUQ(model, on: experiment.trainingSet, epochs: 15)
    let trained = Self.scores(model, experiment)
    #expect(trained.accuracy > 0.9)
    // A gap, not just an order: an untrained head is near 0 everywhere.
    #expect(trained.far < trained.onData - 0.5)
  }
}
