import Foundation
import ImageData
import NN
import NeuralProcesses
import Testing
import Torch

/// Image completion (the ANP paper's 2-D regression) on real MNIST digits (`make data`).
@Suite(.serialized) struct ImageCompletionTests {
  nonisolated(unsafe) static let data = Result { try ImageDataset.mnist5k() }  // read once; the suite is serialized

  func model(_ kind: NeuralProcessKind) -> NeuralProcess {
    NeuralProcess(.init(kind: kind, attention: .dot, xDimension: 2, yDimension: 1, hiddenSize: 32, latentSize: 32, heads: 4))
  }

  /// A short fixed-seed training run beats the untrained model's per-pixel log-likelihood.
  @Test(arguments: [NeuralProcessKind.cnp, .attncnp])
  func learnsToCompleteDigits(_ kind: NeuralProcessKind) throws {
    let (train, test) = try Self.data.get()
    Torch.manualSeed(5)
    let network = model(kind)
    let images = test.images[0..<40]
    func score() -> Double {
      Torch.manualSeed(9)
      return network.evaluateCompletion(images: images, selection: .fixedCount(100), batchSize: 40).targetLL
    }
    let before = score()
    let optimizer = Adam(network.parameters(), learningRate: 1e-3)
    network.train()
    for step in 0..<50 {
      Torch.manualSeed(UInt64(100 + step))
      let tasks = PixelTaskBatch(images: train.randomBatch(size: 8).images, context: .randomFraction(0.03...0.3), scale: .centred)
      optimizer.zeroGrad()
      network.loss(context: tasks.context, target: tasks.target).loss.backward()
      optimizer.step()
    }
    let after = score()
    #expect(after > before + 0.3, "\(kind): per-pixel log-likelihood \(before) → \(after)")
  }

  /// Scores have the documented fields: every pixel is a target, the context pixels are observed.
  @Test func completionScoresCountTasksAndObservedPixels() throws {
    let (_, test) = try Self.data.get()
    let network = model(.np)
    let all = network.evaluateCompletion(images: test.images[0..<3], selection: .all, samples: 2)
    #expect(all.tasks == 3 && all.samples == 2)
    #expect(all.stdUnobserved == nil, "with every pixel in the context nothing is unobserved")
    #expect(all.stdObserved >= 0.1, "σ = 0.1 + 0.9·softplus is at least 0.1")
    let some = network.evaluateCompletion(images: test.images[0..<3], selection: .fixedCount(50), samples: 2)
    #expect(some.stdUnobserved != nil)
  }

  /// The estimator changes how the targets are scored, not the context score: that one draws
  /// z from q(z | C) under every choice (importance weights would bias it low on a few pixels).
  @Test func contextScoreIsTheSameUnderEveryEstimator() throws {
    let (_, test) = try Self.data.get()
    let network = model(.np)
    func scores(_ zFrom: LatentDraws) -> ImageCompletionScores {
      Torch.manualSeed(3)
      return network.evaluateCompletion(images: test.images[0..<6], selection: .fixedCount(20), samples: 4, zFrom: zFrom, batchSize: 3)
    }
    let (weighted, unweighted) = (scores(.importance), scores(.targets))
    #expect(weighted.contextLL == unweighted.contextLL)
    #expect(weighted.targetLL != unweighted.targetLL)
  }

  /// Super-resolution: the bilinear baseline of a 14×14 version is far from perfect but well
  /// above an empty guess, and PSNR is infinite-free.
  @Test func superResolutionScoresAreFinite() throws {
    let (_, test) = try Self.data.get()
    let scores = model(.cnp).evaluateSuperResolution(images: test.images[0..<4], batchSize: 2)
    #expect(scores.tasks == 4 && scores.lowResolution == 14 && scores.highResolution == 28)
    #expect(scores.targetLL.isFinite && scores.psnr.isFinite)
    #expect(scores.bilinearPSNR > 12 && scores.bilinearPSNR < 40, "bilinear 14→28 PSNR \(scores.bilinearPSNR) dB")
  }
}
