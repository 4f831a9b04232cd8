// penumbra-bench-np: Neural Process speed, for `make bench-np` (Benchmarks/run_np.py).
//
//   penumbra-bench-np train [--steps N]                      ANP (multihead) training steps/s
//   penumbra-bench-np infer --contexts C --targets T [--chunk K]   ANP prediction time, chunked
//   penumbra-bench-np gp --contexts C --targets T            exact GP posterior time
//
// Prints one JSON line with the time and the process's peak resident memory (VmHWM). The
// training case matches Benchmarks/reference/anp_reference.py: hidden 128, 8 heads, Adam 1e-4,
// one fixed batch of 16 tasks with 25 contexts and 50 targets of y = sin(3x) + noise.
import Datasets
import Foundation
import GaussianProcesses
import NN
import NeuralProcesses
import Torch

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("penumbra-bench-np: \(message)\n".utf8))
  exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: penumbra-bench-np train|infer|gp [--flag value ...]") }
var options: [String: Int] = [:]
for pair in stride(from: 1, to: arguments.count - 1, by: 2) {
  guard arguments[pair].hasPrefix("--"), let value = Int(arguments[pair + 1]) else {
    fail("expected --flag integer, got '\(arguments[pair]) \(arguments[pair + 1])'")
  }
  options[String(arguments[pair].dropFirst(2))] = value
}

/// Peak resident memory of this process in MiB.
func peakMemoryMiB() -> Double {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
  else { return .nan }
  return kilobytes / 1024
}

func seconds(_ body: () -> Void) -> Double {
  let start = DispatchTime.now().uptimeNanoseconds
  body()
  return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

Torch.prepareProcess()  // may restart the process, so before any work
Torch.configureThreadsFromEnvironment()
Torch.manualSeed(0)
let model = NeuralProcess(NeuralProcessConfiguration(kind: .anp, attention: .multihead))

switch mode {
case "train":
  let steps = options["steps"] ?? 200
  let x = Tensor.uniform([16, 50, 1], low: -2, high: 2)
  let y = (3 * x).sin() + 0.02 * Tensor.randn([16, 50, 1])
  let target = PointSet(x: x, y: y)
  let context = PointSet(x: x[.all, ..<25], y: y[.all, ..<25])
  // The contexts are the first 25 targets, which `loss` is told, as `np train`'s sampler tells it.
  let contextIndices = Tensor.arange(25).unsqueeze(0).expand([16, 25]).contiguous()
  let optimizer = Adam(model.parameters(), learningRate: 1e-4)
  func step() {
    optimizer.zeroGrad()
    model.loss(context: context, target: target, contextIndices: contextIndices).loss.backward()
    optimizer.step()
  }
  for _ in 0..<5 { step() }  // warm-up, as the reference
  let elapsed = seconds { for _ in 0..<steps { step() } }
  print(#"{"bench": "anp-train", "impl": "swift", "steps": \#(steps), "steps_per_s": \#(Double(steps) / elapsed), "threads": \#(Torch.threadCount), "blas_core": "\#(Torch.blasCoreName ?? "n/a")"}"#)
case "infer", "gp":
  let contexts = options["contexts"] ?? 1000
  let targets = options["targets"] ?? 10_000
  let chunk = options["chunk"] ?? 2048
  let cx = Tensor.uniform([1, contexts, 1], low: -2, high: 2, dtype: .float64)
  let cy = (3 * cx).sin()
  let tx = Tensor.linspace(-2, 2, steps: targets, dtype: .float64).reshape(1, targets, 1)
  var time = 0.0
  if mode == "infer" {
    let context = PointSet(x: cx.to(.float32), y: cy.to(.float32))
    time = seconds { _ = model.predict(context: context, targetX: tx.to(.float32), chunkSize: chunk).mean.sum().item() }
  } else {
    let gp = GaussianProcess(kernel: Kernel(.eq, lengthscale: 0.6), noiseVariance: 4e-4)
    time = seconds { _ = gp.posterior(x: cx, y: cy, query: tx).mean.sum().item() }
  }
  print(
    #"{"bench": "\#(mode == "infer" ? "anp-predict" : "gp-posterior")", "contexts": \#(contexts), "targets": \#(targets), "chunk": \#(mode == "infer" ? chunk : 0), "seconds": \#(time), "peak_mib": \#(peakMemoryMiB())}"#
  )
default:
  fail("unknown mode '\(mode)': train, infer or gp")
}
