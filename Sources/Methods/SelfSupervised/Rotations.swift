import Torch

/// Rotations of image batches [N, C, H, W] by multiples of 90°, the transformations of SLA's
/// and the lens's rotation pretext.
public enum Rotations {
  /// `torch.rot90(x, k, (2, 3))`: k quarter turns counter-clockwise in the (H, W) plane, composed
  /// as ATen composes it (aten/src/ATen/native/TensorTransformations.cpp): k = 1 flips W then
  /// transposes, k = 2 flips both, k = 3 flips H then transposes. Any integer k, taken mod 4.
  public static func rot90(_ x: Tensor, _ k: Int) -> Tensor {
    precondition(x.rank == 4, "rot90 rotates [N, C, H, W] batches, got shape \(x.shape)")
    switch ((k % 4) + 4) % 4 {
    case 1: return x.flipped(3).transpose(2, 3)
    case 2: return x.flipped(2, 3)
    case 3: return x.flipped(2).transpose(2, 3)
    default: return x
    }
  }

  /// The four rotations by 0°, 90°, 180°, 270°, as `TransformedCopies` takes them (SLA,
  /// hankook/SLA train.py `rotation`: `torch.rot90(images, k, (2, 3)) for k in range(4)`).
  public static var quarterTurns: [(Tensor) -> Tensor] { (0..<4).map { k in { rot90($0, k) } } }
}
