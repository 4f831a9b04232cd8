import Backbones
import Experiments
import Foundation
import ImageData
import Metrics
import NN
import Testing
import Torch
import Training
import Uncertainty

/// Belief matching and SDE-Net in the Fashion-MNIST benchmark's run settings and resumable
/// loop, and the Gram detector on a benchmark model. Serialized: the tests seed libtorch's
/// global generator. (Learning on a small subset is `FashionMNISTBenchmarkTests.methodLearnsAndRoundTrips`,
/// which runs every method.)
@Suite(.serialized) struct ImageOODMethodWiringTests {
  @Test func newMethodsRoundTripThroughJSON() throws {
    for method in [ImageOODMethod.beliefMatching, .sdenet] {
      var run = FashionMNISTRun(method: method)
      run.seed = 3
      run.trainSubset = 1000
      let decoded = try #require(FashionMNISTRun.decode(run.json))
      #expect(decoded == run)
      #expect(decoded.json == run.json)
    }
    #expect(ImageOODMethod(rawValue: "belief-matching") == .beliefMatching)
    let beliefMatching = FashionMNISTRun(method: .beliefMatching)
    #expect(beliefMatching.beliefMatching?.klCoefficient == 0.01 && beliefMatching.beliefMatching?.priorConcentration == 1)
    #expect(beliefMatching.learningRate == 0.05 && beliefMatching.weightDecay == 5e-4 && beliefMatching.milestones == [10, 20])
    let sdeNet = FashionMNISTRun(method: .sdenet)
    #expect(sdeNet.learningRate == 0.1 && sdeNet.sdeNet?.diffusionLearningRate == 0.01 && sdeNet.momentum == 0.9)
    #expect(sdeNet.milestones == [11, 21, 31] && sdeNet.sdeNet?.diffusionMilestones == [16, 31])
    #expect(ImageOODMethod.sdenet.paperEpochs == 40 && ImageOODMethod.softmax.paperEpochs == 30)
    // Runs of the older methods keep their JSON (so their checkpoints still resume).
    #expect(!FashionMNISTRun(method: .softmax).json.contains("sdeNet"))
    #expect(!FashionMNISTRun(method: .softmax).json.contains("beliefMatching"))
  }

  /// SDE-Net's ResNet baseline: the official `Resnet()` (MNIST/models/resnet.py) has 576,778
  /// parameters (counted with PyTorch), trains as resnet_mnist.py does, and shares SDE-Net's
  /// downsampling layers and head.
  @Test func resNetBaselineMatchesTheOfficialNetworkAndSchedule() throws {
    let run = FashionMNISTRun(method: .resnet)
    #expect(run.learningRate == 0.1 && run.momentum == 0.9 && run.weightDecay == 5e-4)
    #expect(run.milestones == [11, 21, 31] && run.learningRateFactor == 0.1 && run.sdeNet == nil)
    #expect(ImageOODMethod.resnet.paperEpochs == 40)
    let model = try #require(run.makeModel() as? SoftmaxClassifier)
    let network = try #require(model.network as? SDENetResNet)
    #expect(network.parameterCount == 576_778)
    #expect(network.blocks.count == 6 && network.blocks[0].conv1.bias == nil)
    let shared = SDENet(layerDepth: 1).stateDict().map(\.name).filter { !$0.hasPrefix("drift.") && !$0.hasPrefix("diffusion.") }
    #expect(Set(network.stateDict().map(\.name)).isSuperset(of: shared) && shared.contains("downsampling_layers.0.weight"))
    #expect(model(Tensor.zeros([2, 1, 28, 28])).shape == [2, 10])
    #expect(ImageGramDetection(model: model) == nil)
  }

  /// Scoring after each epoch (as `ood train --curve-images` does) leaves training unchanged:
  /// MC dropout's scoring draws dropout masks, and the next epoch reseeds the generator. SDE-Net
  /// scores at the detection σ and trains on at its training σ.
  @Test func scoringAfterEachEpochLeavesTheRunUnchanged() throws {
    var run = FashionMNISTBenchmarkTests.smallRun(.mcdropout)
    run.channels = [8, 8, 8]
    let folder = try FashionMNISTBenchmarkTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = FashionMNISTBenchmarkTests.data.train.subset(Array(0..<128))
    let plain = run.makeModel()
    _ = try run.train(plain, on: data, epochs: 2, checkpoint: folder.appendingPathComponent("a.safetensors"), resume: false)
    let scored = run.makeModel()
    var epochsSeen: [Int] = []
    _ = try run.train(
      scored, on: data, epochs: 2, checkpoint: folder.appendingPathComponent("b.safetensors"), resume: false,
      afterEpoch: { epochs, _ in
        epochsSeen.append(epochs)
        _ = run.whileScoring(scored) { ImageScores(model: scored, images: data.images, measure: .maxProbability) }
      })
    #expect(epochsSeen == [1, 2])
    for ((name, a), (_, b)) in zip(plain.stateDict(), scored.stateDict()) {
      #expect((a.to(.float64) - b.to(.float64)).abs().max().item() == 0, "\(name)")
    }

    let sdeRun = FashionMNISTRun(method: .sdenet)
    let sdeNet = try #require(sdeRun.makeModel() as? SDENet)
    sdeRun.whileScoring(sdeNet) { #expect(sdeNet.sigma == SDENet.detectionSigma && !sdeNet.isTraining) }
    #expect(sdeNet.sigma == sdeRun.sdeNet?.trainingSigma)
  }

  /// Given milestones drop both SDE-Net optimisers at the same epochs.
  @Test func givenMilestonesScheduleBothSDENetOptimizers() {
    var run = FashionMNISTBenchmarkTests.smallRun(.sdenet)
    run.setMilestones([2])
    let optimizers = run.makeOptimizers(for: run.makeModel()).all
    #expect(optimizers.map(\.name) == ["drift", "diffusion"])
    for scheduled in optimizers {
      #expect(scheduled.schedule.factor(at: 1) == 1, "\(scheduled.name)")
      #expect(abs(scheduled.schedule.factor(at: 2) - 0.1) < 1e-12, "\(scheduled.name)")
    }
    // Without --milestones the official drops stay: the diffusion's first comes later.
    let official = FashionMNISTRun(method: .sdenet).makeOptimizers(for: run.makeModel()).all
    #expect(official[0].schedule.factor(at: 11) < 1 && official[1].schedule.factor(at: 11) == 1)
  }

  /// One epoch, then a resumed second, ends where two epochs in one go do: the model and both
  /// optimisers' momenta come back from the checkpoint (without the diffusion SGD's momentum the
  /// diffusion net's weights would differ).
  @Test func sdeNetResumesWithBothOptimizers() throws {
    var run = FashionMNISTBenchmarkTests.smallRun(.sdenet)
    run.sdeNet?.channels = 8
    run.setMilestones([1])
    let folder = try FashionMNISTBenchmarkTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let data = FashionMNISTBenchmarkTests.data.train.subset(Array(0..<128))
    let straight = run.makeModel()
    _ = try run.train(straight, on: data, epochs: 2, checkpoint: folder.appendingPathComponent("a.safetensors"), resume: false)
    let resumedURL = folder.appendingPathComponent("b.safetensors")
    _ = try run.train(run.makeModel(), on: data, epochs: 1, checkpoint: resumedURL, resume: false)
    let names = try SafeTensors.read(from: resumedURL).tensors.map(\.name)
    #expect(names.contains { $0.hasPrefix("optimizer.drift.0.") })
    #expect(names.contains { $0.hasPrefix("optimizer.diffusion.0.") })
    let resumed = run.makeModel()
    let summary = try run.train(resumed, on: data, epochs: 2, checkpoint: resumedURL, resume: true)
    #expect(summary.firstStep == 1 && summary.lastStep == 2)
    for ((name, a), (_, b)) in zip(straight.stateDict(), resumed.stateDict()) {
      #expect((a.to(.float64) - b.to(.float64)).abs().max().item() == 0, "\(name)")
    }
  }

  /// Gram deviations of a briefly trained small softmax CNN: uniform-noise images deviate more
  /// than the training images the bounds came from, so their certainty is lower.
  @Test func gramCertaintyIsLowerOnNoiseThanOnTrainingImages() throws {
    var run = FashionMNISTBenchmarkTests.smallRun(.softmax)
    run.channels = [8, 8, 8]
    run.featureSize = 32
    let folder = try FashionMNISTBenchmarkTests.temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let train = FashionMNISTBenchmarkTests.data.train
    let model = run.makeModel()
    _ = try run.train(model, on: train, epochs: 1, checkpoint: folder.appendingPathComponent("m.safetensors"), resume: false)
    run.prepareForScoring(model)
    let detection = try #require(ImageGramDetection(model: model))
    let heldOut = FashionMNISTBenchmarkTests.data.heldOut.images
    detection.fit(trainingImages: train.images, validationImages: heldOut[0..<100])
    Torch.manualSeed(5)
    let noise = Tensor.rand([200, 1, 28, 28])
    let inDistribution = detection.certainty(heldOut[100..<300])
    let outOfDistribution = detection.certainty(noise)
    let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
    print("Gram certainty: held-out \(mean(inDistribution)), noise \(mean(outOfDistribution))")
    #expect(mean(outOfDistribution) < mean(inDistribution))
    let auroc = OODScores(inDistributionConfidence: inDistribution, outOfDistributionConfidence: outOfDistribution).auroc
    #expect(auroc > 0.9, "AUROC \(auroc)")
    // Methods without a FashionCNN and softmax head are refused.
    #expect(ImageGramDetection(model: FashionMNISTBenchmarkTests.smallRun(.sdenet).makeModel()) == nil)
    #expect(ImageGramDetection(model: FashionMNISTBenchmarkTests.smallRun(.duq).makeModel()) == nil)
  }

  @Test func gramTestSplitHoldsOutATenthDisjointly() {
    let split = ImageGramDetection.testSplit(count: 1000)
    #expect(split.validation.count == 100 && split.scored.count == 900)
    #expect(Set(split.validation).isDisjoint(with: split.scored))
    #expect(Set(split.validation + split.scored) == Set(0..<1000))
    #expect(ImageGramDetection.testSplit(count: 1000).validation == split.validation)
  }
}
