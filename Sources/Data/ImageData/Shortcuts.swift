import Torch

/// Synthetic shortcuts for the rotation pretext, after the synthetic-shortcut experiments of
/// Minderer et al. (ICML 2020): a mark drawn on every image before it is rotated, so the
/// rotation can be read off a few pixels instead of learnt from the content. Deterministic: the same pixels on every
/// image, set to `value`.
public enum Shortcut: String, Sendable, CaseIterable {
  /// An upward arrow of 7 pixels (a 3-pixel head over a 4-pixel shaft) near the top-left
  /// corner, whose direction turns with the image.
  case arrow
  /// A 3 × 3 square in the top-left corner, which a rotation moves to another corner.
  case cornerMark

  /// The (row, column) pixels of the mark, in an image of at least 8 × 8.
  public var pixels: [(Int, Int)] {
    switch self {
    case .arrow: return [(1, 2), (2, 1), (2, 2), (2, 3), (3, 2), (4, 2), (5, 2)]
    case .cornerMark: return (0..<3).flatMap { r in (0..<3).map { c in (r, c) } }
    }
  }

  /// The mark as a [H, W] mask of 0s and 1s.
  public func mask(height: Int, width: Int) -> Tensor {
    precondition(height >= 8 && width >= 8, "shortcuts need images of at least 8 × 8, got \(height) × \(width)")
    var values = [Float](repeating: 0, count: height * width)
    for (r, c) in pixels { values[r * width + c] = 1 }
    return Tensor(values, shape: [height, width])
  }

  /// Images [N, C, H, W] with the mark drawn in every channel at `value` (1, white, by default).
  public func draw(on images: Tensor, value: Double = 1) -> Tensor {
    precondition(images.rank == 4, "shortcuts are drawn on [N, C, H, W] batches, got \(images.shape)")
    let m = mask(height: images.size(2), width: images.size(3)).to(images.dtype)
    return images * (1 - m) + m * value
  }
}
