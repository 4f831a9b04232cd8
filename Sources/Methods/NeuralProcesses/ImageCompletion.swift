import Datasets
import Foundation
import ImageData
import NN
import Torch

/// Scores of a Neural Process on image-completion tasks (the ANP paper's 2-D regression).
public struct ImageCompletionScores: Codable, Sendable {
  /// Mean over images of the log-likelihood per context pixel.
  public var contextLL: Double
  /// Mean over images of the log-likelihood per pixel, all pixels being targets.
  public var targetLL: Double
  /// Mean predictive standard deviation at the context pixels: the ANP paper's point is that
  /// attention lets it shrink where the context is dense, while the NP's stays large.
  public var stdObserved: Double
  /// Mean predictive standard deviation at the pixels outside the context (nil when all are observed).
  public var stdUnobserved: Double?
  public var tasks: Int
  /// z samples of the log-mean-exp estimator and of the predictive moments (1 for deterministic models).
  public var samples: Int
  /// Where the z draws came from, for all three scores (nil for deterministic models, and in
  /// metrics written before the choice existed: q(z | C)).
  public var zFrom: LatentDraws?

  enum CodingKeys: String, CodingKey {
    case contextLL = "context_ll", targetLL = "target_ll", stdObserved = "std_observed", stdUnobserved = "std_unobserved"
    case tasks, samples, zFrom = "z_from"
  }
}

/// Super-resolution scores: a 14×14 version of each test image (bilinear, corners aligned, so
/// its pixel centres sit on the model's [−1, 1]² grid) as context, the true 28×28 as target.
public struct SuperResolutionScores: Codable, Sendable {
  /// Log-likelihood per pixel of the true high-resolution image.
  public var targetLL: Double
  /// Peak signal-to-noise ratio (dB, peak 1) of the predicted mean against the truth.
  public var psnr: Double
  /// The same for bilinear upsampling of the low-resolution image: the baseline.
  public var bilinearPSNR: Double
  public var tasks: Int
  public var lowResolution: Int
  public var highResolution: Int

  enum CodingKeys: String, CodingKey {
    case targetLL = "target_ll", psnr, bilinearPSNR = "bilinear_psnr", tasks
    case lowResolution = "low_resolution", highResolution = "high_resolution"
  }
}

extension NeuralProcess {
  /// Scores the model on completion tasks built from `images` [N, 1, H, W] with `selection`,
  /// in batches; latent models draw z for the target scores as `zFrom` says (the context
  /// scores always from q(z | C)). Random selections draw from libtorch's generator: seed it
  /// for repeatable scores.
  public func evaluateCompletion(
    images: Tensor, selection: ContextSelection, scale: IntensityScale = .centred, samples: Int? = nil,
    zFrom: LatentDraws = .context, batchSize: Int = 50
  ) -> ImageCompletionScores {
    let latent = configuration.kind.hasLatentPath
    let samples = scoringSamples(samples)
    var context = ScoreAccumulator()
    var target = ScoreAccumulator()
    var std = (observed: 0.0, observedCount: 0.0, unobserved: 0.0, unobservedCount: 0.0)
    eval()
    // Every selection is drawn before any z, so the tasks do not depend on the estimator.
    let batches = stride(from: 0, to: images.size(0), by: batchSize).map { start in
      PixelTaskBatch(images: images[start..<Swift.min(start + batchSize, images.size(0))], context: selection, scale: scale)
    }
    for tasks in batches {
      let (c, t) = (tasks.context, tasks.target)
      withNoGrad {
        // One set of z draws scores the targets (every pixel), the context pixels among them and
        // the predictive std, so the model runs once per draw. Importance weights suit the
        // targets only: on a few context pixels their log-mean-exp errs low by about the log of a
        // typical weight, so other draws score the context from q(z | C), as curves do.
        let (predictions, logWeights) = scoringPredictions(context: c, target: t, samples: samples, zFrom: zFrom)
        let pixelLL = predictions.map { $0.logProb(t.y).sum(-1) }
        let visible = tasks.contextVisibility.flatten(from: 1)
        target.add(summed: Self.logMeanExp(pixelLL.map { Masking.sum($0, mask: t.mask) }, logWeights: logWeights), counts: t.counts)
        let contextLL =
          zFrom == .context
          ? Self.logMeanExp(pixelLL.map { ($0 * visible).sum(-1) }) : logLikelihood(context: c, target: c, samples: samples)
        context.add(summed: contextLL, counts: c.counts)
        let predicted = Self.mixtureMoments(predictions, logWeights: logWeights).std.sum(-1)
        std.observed += (predicted * visible).sum().item()
        std.observedCount += visible.sum().item()
        std.unobserved += (predicted * (1 - visible)).sum().item()
        std.unobservedCount += (1 - visible).sum().item()
      }
    }
    return ImageCompletionScores(
      contextLL: context.mean, targetLL: target.mean, stdObserved: std.observed / Swift.max(std.observedCount, 1),
      stdUnobserved: std.unobservedCount > 0 ? std.unobserved / std.unobservedCount : nil, tasks: target.tasks, samples: samples,
      zFrom: latent ? zFrom : nil)
  }

  /// Predicts each high-resolution image from its low-resolution version and scores it.
  public func evaluateSuperResolution(
    images: Tensor, lowResolution: Int = 14, scale: IntensityScale = .centred, samples: Int? = nil, batchSize: Int = 50
  ) -> SuperResolutionScores {
    let samples = scoringSamples(samples)
    let (height, width) = (images.size(2), images.size(3))
    var likelihood = ScoreAccumulator()
    var (psnr, bilinear) = (0.0, 0.0)
    eval()
    for start in stride(from: 0, to: images.size(0), by: batchSize) {
      let truth = images[start..<Swift.min(start + batchSize, images.size(0))]
      let low = interpolate(truth, size: (lowResolution, lowResolution), mode: .bilinear(alignCorners: true))
      let context = PixelTaskBatch(images: low, context: .all, scale: scale).context
      let target = PointSet(
        x: PixelGrid.coordinates(batch: truth.size(0), height: height, width: width), y: PixelGrid.pixels(truth, scale: scale))
      withNoGrad {
        let predictions = samplePredictions(context: context, targetX: target.x, samples: samples)
        likelihood.add(summed: Self.logMeanExp(predictions.map { pointLogLikelihood($0, target) }), counts: target.counts)
        let mean = PixelGrid.images(fromPixels: Self.mixtureMoments(predictions).mean, height: height, width: width, scale: scale)
        psnr += Self.psnr(mean.clamp(min: 0, max: 1), truth).sum().item()
        bilinear += Self.psnr(interpolate(low, size: (height, width), mode: .bilinear(alignCorners: true)), truth).sum().item()
      }
    }
    let n = Double(images.size(0))
    return SuperResolutionScores(
      targetLL: likelihood.mean, psnr: psnr / n, bilinearPSNR: bilinear / n, tasks: likelihood.tasks,
      lowResolution: lowResolution, highResolution: height)
  }

  /// Per-image PSNR in dB (peak 1) of `images` against `truth`, both [B, C, H, W] in [0, 1].
  static func psnr(_ images: Tensor, _ truth: Tensor) -> Tensor {
    let mse = (images - truth).square().flatten(from: 1).mean(-1).clamp(min: 1e-10)
    return -10 / Foundation.log(10) * mse.log()
  }
}
