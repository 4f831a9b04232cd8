import Datasets
import Torch

/// Which pixels of each image a task reveals as its context.
public enum ContextSelection: Sendable, Equatable {
  /// The same number of random pixels in every task.
  case fixedCount(Int)
  /// A per-task count drawn uniformly from the range, then that many random pixels.
  case randomCount(ClosedRange<Int>)
  /// A per-task count drawn uniformly between these fractions of the pixel count (e.g.
  /// 0.03...0.3), then that many random pixels; at least one pixel.
  case randomFraction(ClosedRange<Double>)
  /// The top ⌊H/2⌋ rows.
  case topHalf
  /// The left ⌊W/2⌋ columns.
  case leftHalf
  /// Every pixel (the "all pixels" row of the completion figure; super-resolution input).
  case all
}

/// How pixel intensities in [0, 1] become regression targets.
public enum IntensityScale: Sendable, Equatable {
  /// y = intensity, in [0, 1].
  case unit
  /// y = intensity − 0.5, in [−0.5, 0.5]: zero-centred, so a zero-mean prior fits.
  case centred

  var offset: Double { self == .unit ? 0 : -0.5 }
}

/// A batch of image-completion tasks (the ANP paper's 2-D regression): each image is a
/// function from pixel coordinates to intensities.
///
/// Context sets hold their real points first and are padded to the largest count in the batch
/// (mask 0, x and y zeroed), so `PointSet.task(_:)` returns just the real points.
public struct PixelTaskBatch {
  /// Revealed pixels: x [B, K, 2], y [B, K, C], mask [B, K].
  public var context: PointSet
  /// Every pixel, row-major: x [B, H·W, 2], y [B, H·W, C], mask all ones.
  public var target: PointSet
  /// Number of real context points per task.
  public var contextCounts: [Int]
  /// Row-major pixel index (row·W + column) of each context point, int64 [B, K]; entries
  /// under padding are masked out.
  public var contextIndices: Tensor
  /// Image rows.
  public var height: Int
  /// Image columns.
  public var width: Int
  /// How intensities became y values (`target.y` is intensity − 0.5 when `.centred`).
  public var scale: IntensityScale

  /// 1 where a pixel is in the context, 0 elsewhere: float32 [B, 1, H, W].
  public var contextVisibility: Tensor {
    let b = contextIndices.size(0)
    let visible = Tensor.zeros([b, height * width], dtype: context.mask.dtype)
      .scatter(dim: 1, index: contextIndices, source: context.mask)
    return visible.reshape([b, 1, height, width])
  }

  /// The images as the model sees them: context pixels keep their intensity (in [0, 1]), the
  /// rest show `fill` (NaN draws them as unobserved in a figure); [B, C, H, W].
  public func contextImages(fill: Double = 0) -> Tensor {
    let images = PixelGrid.images(fromPixels: target.y, height: height, width: width, scale: scale)
    return images.maskedFill(contextVisibility .== 0, fill)
  }
}

/// Conversions between images [B, C, H, W] and point sets over pixel coordinates.
///
/// Coordinates are (row, column) scaled linearly to [−1, 1]: the top-left pixel centre is
/// (−1, −1) and the bottom-right (1, 1), whatever the resolution, so a model trained on 28×28
/// can be queried on a finer grid (super-resolution) covering the same square.
public enum PixelGrid {
  /// Coordinates of every pixel of an `height`×`width` image, row-major: float32 [H·W, 2]
  /// holding (row, column) in [−1, 1]².
  public static func coordinates(height: Int, width: Int) -> Tensor {
    precondition(height >= 1 && width >= 1, "a pixel grid needs at least one row and column")
    // A single row or column sits at the centre (0).
    let rows = height == 1 ? Tensor.zeros([1]) : Tensor.linspace(-1, 1, steps: height)
    let cols = width == 1 ? Tensor.zeros([1]) : Tensor.linspace(-1, 1, steps: width)
    let r = rows.unsqueeze(1).expand([height, width])
    let c = cols.unsqueeze(0).expand([height, width])
    return Tensor.stack([r, c], dim: -1).reshape([height * width, 2])
  }

  /// `coordinates(height:width:)` for a batch: [B, H·W, 2], e.g. target inputs for querying a
  /// model at another resolution. One grid expanded (not copied) over the batch, so a Neural
  /// Process embeds it once for all images.
  public static func coordinates(batch: Int, height: Int, width: Int) -> Tensor {
    coordinates(height: height, width: width).unsqueeze(0).expand([batch, height * width, 2])
  }

  /// Pixel values of images [B, C, H, W] as points [B, H·W, C] (row-major), scaled by `scale`.
  public static func pixels(_ images: Tensor, scale: IntensityScale = .unit) -> Tensor {
    precondition(images.rank == 4, "images are [B, C, H, W], got \(images.shape)")
    let values = images.flatten(from: 2).transpose(1, 2).contiguous()
    return scale == .unit ? values : values + scale.offset
  }

  /// Images [B, C, H, W] with intensities in [0, 1] from per-pixel values [B, H·W, C] in
  /// `scale` (the inverse of `pixels`), e.g. to draw a model's predicted means.
  public static func images(fromPixels values: Tensor, height: Int, width: Int, scale: IntensityScale = .unit) -> Tensor {
    precondition(values.rank == 3 && values.size(1) == height * width, "pixel values are [B, \(height * width), C], got \(values.shape)")
    let unit = scale == .unit ? values : values - scale.offset
    return unit.transpose(1, 2).reshape([values.size(0), values.size(2), height, width])
  }
}

extension PixelTaskBatch {
  /// Image-completion tasks from `images` [B, C, H, W] (intensities in [0, 1]).
  ///
  /// Random selections draw from libtorch's generator, so `Torch.manualSeed` (which the
  /// training loop calls every step) makes them reproducible.
  public init(images: Tensor, context selection: ContextSelection, scale: IntensityScale = .unit) {
    precondition(images.rank == 4, "images are [B, C, H, W], got \(images.shape)")
    let (b, h, w) = (images.size(0), images.size(2), images.size(3))
    let p = h * w
    let coordinates = PixelGrid.coordinates(batch: b, height: h, width: w).to(images.dtype)
    let values = PixelGrid.pixels(images, scale: scale)
    let target = PointSet(x: coordinates, y: values)

    let counts: [Int]
    let indices: Tensor  // [B, K] pixel indices
    switch selection {
    case .topHalf, .leftHalf, .all:
      let chosen =
        switch selection {
        case .topHalf: Array(0..<(h / 2) * w)
        case .leftHalf: (0..<h).flatMap { row in (0..<(w / 2)).map { row * w + $0 } }
        default: Array(0..<p)
        }
      counts = Array(repeating: chosen.count, count: b)
      indices = Tensor(chosen).unsqueeze(0).expand([b, chosen.count]).contiguous()
    case .fixedCount, .randomCount, .randomFraction:
      counts = PixelTaskBatch.drawCounts(selection, batch: b, pixels: p)
      let k = counts.max() ?? 0
      // The k largest of i.i.d. uniforms are a uniformly random k-subset in random order.
      indices = Tensor.rand([b, p]).topk(k, dim: 1).indices
    }
    let k = indices.size(1)
    let mask = (Tensor.arange(Double(k)).unsqueeze(0) .< Tensor(counts).unsqueeze(1)).to(images.dtype)
    let weights = mask.unsqueeze(-1)
    let x = coordinates.gatherRows(indices) * weights
    let y = values.gatherRows(indices) * weights
    self.init(
      context: PointSet(x: x, y: y, mask: mask), target: target, contextCounts: counts,
      contextIndices: indices, height: h, width: w, scale: scale)
  }

  static func drawCounts(_ selection: ContextSelection, batch: Int, pixels: Int) -> [Int] {
    let range: ClosedRange<Int>
    switch selection {
    case .fixedCount(let n): range = n...n
    case .randomCount(let r): range = r
    case .randomFraction(let f):
      precondition(f.lowerBound >= 0 && f.upperBound <= 1, "context fractions must lie in [0, 1], got \(f)")
      let low = max(1, Int((f.lowerBound * Double(pixels)).rounded(.up)))
      range = low...max(low, Int((f.upperBound * Double(pixels)).rounded(.down)))
    case .topHalf, .leftHalf, .all: preconditionFailure("structured selections have fixed counts")
    }
    precondition(range.lowerBound >= 0 && range.upperBound <= pixels, "context counts \(range) must lie in 0...\(pixels)")
    if range.lowerBound == range.upperBound { return Array(repeating: range.lowerBound, count: batch) }
    return Tensor.randint(range.lowerBound, range.upperBound + 1, [batch]).toArray(Int.self)
  }
}
