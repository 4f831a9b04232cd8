// penumbra-bench: training-step throughput of Penumbra's Swift layer, for comparison with
// Benchmarks/reference/bench_core.py (the same cases in PyTorch on the same libtorch).
//
//   penumbra-bench --case mlp|overhead|compute|cnn|duq [--steps N] [--warmup N] [--threads N] [--seed N]
//
// Prints one JSON line. The MLP cases: an MLP with ReLU (PyTorch's default Linear init), eight
// fixed batches of standard-normal inputs and targets (drawn after the weights from the same
// seed, cycled), mean squared error and Adam (lr 1e-3). The image cases train the Fashion-MNIST
// benchmark's networks with the library's own training steps on eight fixed batches of
// standard-normal 28×28 images with random labels: `cnn` the softmax CNN (cross-entropy, SGD
// 0.05 with momentum 0.9 and weight decay 5e-4), `duq` DUQ (BCE on the kernel values, the
// gradient penalty's double backward, SGD with weight decay 1e-4, the centroid update). The
// Python side builds the same models from the official code's layer list.
import Backbones
import Experiments
import Foundation
import NN
import Torch
import Training
import Uncertainty

Torch.prepareProcess()  // may restart the process, so before anything else

/// One benchmark case; the table must stay identical to `CASES` in bench_core.py.
struct BenchCase {
  enum Model { case mlp, cnn, duq }
  var model = Model.mlp
  /// The MLP's layer widths, or the CNN's channels and feature size.
  let sizes: [Int]
  let batch: Int
  let steps: Int
  let warmup: Int
}

let cases: [String: BenchCase] = [
  // The case: 3 hidden layers of 128.
  "mlp": BenchCase(sizes: [32, 128, 128, 128, 1], batch: 64, steps: 2000, warmup: 100),
  // Tiny tensors: the time goes into per-op dispatch, allocation and the host language.
  "overhead": BenchCase(sizes: [8, 8, 8, 8, 8, 8, 8, 1], batch: 4, steps: 5000, warmup: 200),
  // Large matmuls: the time goes into BLAS.
  "compute": BenchCase(sizes: [1024, 1024, 1024, 1024], batch: 512, steps: 20, warmup: 2),
  // Convolutions at the OoD benchmark's scale (batches of 128 Fashion-MNIST-sized images).
  "cnn": BenchCase(model: .cnn, sizes: [64, 128, 128, 256], batch: 128, steps: 20, warmup: 3),
  // The same network under DUQ: a gradient of a gradient through every convolution.
  "duq": BenchCase(model: .duq, sizes: [64, 128, 128, 256], batch: 128, steps: 8, warmup: 2),
]

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("penumbra-bench: \(message)\n".utf8))
  exit(2)
}

// MARK: Arguments

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
  guard flag.hasPrefix("--"), let value = arguments.popFirst() else { fail("expected --flag value, got '\(flag)'") }
  options[String(flag.dropFirst(2))] = value
}
@MainActor func intOption(_ name: String) -> Int? {
  guard let text = options[name] else { return nil }
  guard let value = Int(text) else { fail("--\(name) needs an integer, got '\(text)'") }
  return value
}

let caseName = options["case"] ?? "mlp"
guard let spec = cases[caseName] else { fail("unknown case '\(caseName)'; known: \(cases.keys.sorted())") }
let steps = intOption("steps") ?? spec.steps
let warmup = intOption("warmup") ?? spec.warmup
let seed = intOption("seed") ?? 0

// Threads: PENUMBRA_THREADS / PENUMBRA_BLAS_THREADS (or the default), then --threads wins.
Torch.configureThreadsFromEnvironment()
if let threads = intOption("threads") { Torch.threadCount = threads }

// MARK: Model, data, optimiser

/// The initial loss on the first batch and one training step on batch i (returning its loss).
@MainActor func makeWorkload() -> (initialLoss: Double, step: (Int) -> Tensor) {
  Torch.manualSeed(UInt64(seed))
  let batchCount = 8  // a few fixed batches, cycled, so the model cannot simply memorise one
  switch spec.model {
  case .mlp:
    let model = MLP(spec.sizes)
    let xs = (0..<batchCount).map { _ in Tensor.randn([spec.batch, spec.sizes.first!]) }
    let ys = (0..<batchCount).map { _ in Tensor.randn([spec.batch, spec.sizes.last!]) }
    let optimizer = Adam(model.parameters(), learningRate: 1e-3)
    let initialLoss = mseLoss(withNoGrad { model(xs[0]) }, ys[0]).item()
    return (initialLoss, { i in trainStep(model, optimizer, xs[i % batchCount], ys[i % batchCount]) })
  case .cnn, .duq:
    let features = FashionCNN(channels: Array(spec.sizes.prefix(3)), featureSize: spec.sizes[3])
    let xs = (0..<batchCount).map { _ in Tensor.randn([spec.batch, 1, 28, 28]) }
    let labels = (0..<batchCount).map { _ in Tensor.randint(0, 10, [spec.batch]) }
    if spec.model == .cnn {
      let model = SoftmaxClassifier(CNNClassifierNetwork(features: features))
      let optimizers = Optimizers(SGD(model.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4))
      let initialLoss = withNoGrad { model.loss(xs[0], labels: labels[0]).item() }
      return (initialLoss, { i in
        Tensor(model.step(LabelledBatch(x: xs[i % batchCount], labels: labels[i % batchCount]), optimizers: optimizers).loss)
      })
    }
    var configuration = FashionMNISTRun(method: .duq).duq!
    configuration.featureSize = spec.sizes[3]
    let model = DUQ(features: features, configuration: configuration)
    let optimizers = Optimizers(SGD(model.parameters(), learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4))
    let initialLoss = model.loss(xs[0], oneHot: labels[0].oneHot(classes: 10).to(.float32)).bce.item()
    return (initialLoss, { i in
      Tensor(model.step(LabelledBatch(x: xs[i % batchCount], labels: labels[i % batchCount]), optimizers: optimizers).loss)
    })
  }
}

/// One MLP training step, as in PyTorch: forward, loss, zero_grad, backward, step.
@inline(never)
func trainStep(_ model: MLP, _ optimizer: Optimizer, _ x: Tensor, _ y: Tensor) -> Tensor {
  let loss = mseLoss(model(x), y)
  optimizer.zeroGrad()
  loss.backward()
  optimizer.step()
  return loss
}

let (initialLoss, step) = makeWorkload()
for i in 0..<warmup { _ = step(i) }

let clock = ContinuousClock()
var lastLoss: Tensor? = nil
let elapsed = clock.measure {
  for i in 0..<steps { lastLoss = step(i) }
}
let finalLoss = lastLoss?.item() ?? initialLoss
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18

// MARK: Report

func json(_ value: Any) -> String {
  switch value {
  case let text as String: "\"\(text)\""
  case let list as [Int]: "[" + list.map(String.init).joined(separator: ", ") + "]"
  default: "\(value)"
  }
}
let fields: [(String, Any)] = [
  ("bench", caseName), ("impl", "swift"), ("steps_per_s", Double(steps) / seconds), ("steps", steps),
  ("warmup", warmup), ("seconds", seconds), ("threads", Torch.threadCount), ("sizes", spec.sizes),
  ("batch", spec.batch), ("initial_loss", initialLoss), ("final_loss", finalLoss),
  ("blas_core", Torch.blasCoreName ?? "n/a"),
]
print("{" + fields.map { "\"\($0.0)\": \(json($0.1))" }.joined(separator: ", ") + "}")
