import Datasets
import Foundation
import ImageData
import NN
import Plots
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

// MARK: - Figures

extension NeuralProcess {
  /// The ANP paper's completion figure: for each image and context selection a row of the
  /// context (unobserved pixels in a neutral colour), predicted mean, predicted std, three
  /// samples for latent models (the decoder mean under one z each), and the ground truth.
  public func completionFigure(
    images: Tensor, selections: [(name: String, selection: ContextSelection)], scale: IntensityScale = .centred,
    samples: Int = 16, title: String
  ) -> Figure {
    let drawsShown = configuration.kind.hasLatentPath ? 3 : 0
    let columns = ["context", "mean", "std"] + (0..<drawsShown).map { "sample \($0 + 1)" } + ["truth"]
    let rows = images.size(0) * selections.count
    let figure = Figure(width: 130 * columns.count + 120, height: 130 * rows + 70, fontScale: 1)
    figure.title = title
    let grid = figure.panels(rows: rows, columns: columns.count)
    let (height, width) = (images.size(2), images.size(3))
    eval()
    for image in 0..<images.size(0) {
      for (s, entry) in selections.enumerated() {
        let row = image * selections.count + s
        let tasks = PixelTaskBatch(images: images[image..<(image + 1)], context: entry.selection, scale: scale)
        let (c, t) = (tasks.context, tasks.target)
        let panels: [Tensor] = withNoGrad {
          let predictions = samplePredictions(context: c, targetX: t.x, samples: samples)
          let moments = Self.mixtureMoments(predictions)
          let draws = predictions.prefix(drawsShown).map(\.mean)
          let toImage = { (pixels: Tensor) in PixelGrid.images(fromPixels: pixels, height: height, width: width, scale: scale) }
          return [tasks.contextImages(fill: .nan), toImage(moments.mean), moments.std.reshape([1, 1, height, width])]
            + draws.map(toImage) + [images[image..<(image + 1)]]
        }
        for (column, panel) in panels.enumerated() {
          let axes = grid[row][column]
          let isStd = column == 2
          axes.image(panel.toArray(Double.self), shape: [height, width], colormap: isStd ? .viridis : .gray,
                     range: isStd ? 0...0.5 : 0...1)
          axes.showTicks = false
          if row == 0 { axes.title = columns[column] }
          if column == 0 { axes.yLabel = entry.name }
        }
      }
    }
    return figure
  }

  /// Super-resolution figure: each image given at 28×28 predicted on 56×56 and 112×112 grids,
  /// and its 14×14 version upsampled to 28×28 by the model and by bilinear interpolation.
  public func superResolutionFigure(images: Tensor, scale: IntensityScale = .centred, samples: Int = 16, title: String) -> Figure {
    let columns = ["given 28×28", "model 56×56", "model 112×112", "given 14×14", "bilinear 28×28", "model 28×28", "truth 28×28"]
    let figure = Figure(width: 150 * columns.count, height: 160 * images.size(0) + 70, fontScale: 1)
    figure.title = title
    let grid = figure.panels(rows: images.size(0), columns: columns.count)
    eval()
    for index in 0..<images.size(0) {
      let truth = images[index..<(index + 1)]
      let low = interpolate(truth, size: (14, 14), mode: .bilinear(alignCorners: true))
      let upsample = { (given: Tensor, size: Int) -> Tensor in
        let context = PixelTaskBatch(images: given, context: .all, scale: scale).context
        let query = PixelGrid.coordinates(batch: 1, height: size, width: size)
        let mean = withNoGrad { self.predictiveMoments(context: context, targetX: query, samples: samples).mean }
        return PixelGrid.images(fromPixels: mean, height: size, width: size, scale: scale).clamp(min: 0, max: 1)
      }
      let panels = [
        truth, upsample(truth, 56), upsample(truth, 112), low,
        interpolate(low, size: (28, 28), mode: .bilinear(alignCorners: true)), upsample(low, 28), truth,
      ]
      for (column, panel) in panels.enumerated() {
        let axes = grid[index][column]
        axes.image(panel.toArray(Double.self), shape: [panel.size(2), panel.size(3)], colormap: .gray, range: 0...1)
        axes.showTicks = false
        if index == 0 { axes.title = columns[column] }
      }
    }
    return figure
  }
}
