import SelfSupervised
import NN
import Torch
import Training

/// A tiny feature extractor for the learning tests: flatten, linear, ReLU.
final class TinyFeatures: Module, UnaryLayer {
  let fc: Linear
  init(inputs: Int, width: Int) { fc = Linear(inputs, width) }
  func callAsFunction(_ x: Tensor) -> Tensor { fc(x.flatten(from: 1)).relu() }
}

/// `count` images [count, 1, 8, 8]: class c is template c (seeded random in [0, 1]) plus noise,
/// labels alternating 0, 1, ….
func templateImages(count: Int, classes: Int, noise: Double, seed: UInt64) -> LabelledBatch {
  Torch.manualSeed(seed)
  let templates = Tensor.rand([classes, 1, 8, 8])
  let labels = Tensor.arange(Double(count), dtype: .int64).remainder(Double(classes)).to(.int64)
  let x = templates.indexSelect(dim: 0, index: labels) + Tensor.randn([count, 1, 8, 8]) * noise
  return LabelledBatch(x: x, labels: labels)
}

/// Image-major rotated copies of a labelled batch, as `TransformedCopies` lays them out.
func rotatedCopies(_ batch: LabelledBatch) -> TransformedCopiesBatch {
  let copies = Tensor.stack(Rotations.quarterTurns.map { $0(batch.x) }, dim: 1)
  return TransformedCopiesBatch(x: copies.reshape([-1] + Array(batch.x.shape.dropFirst())), labels: batch.labels, copies: 4)
}

func accuracy(_ logits: Tensor, _ labels: Tensor) -> Double {
  (logits.argmax(dim: 1) .== labels).to(.float32).mean().item()
}

