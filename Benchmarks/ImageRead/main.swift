// penumbra-bench-read: how long reading Fashion-MNIST's test split takes (t10k images and
// labels: gunzip, IDX parsing and the float tensor), the cost every image experiment and test
// pays before its first step.
//
//   penumbra-bench-read [--repetitions N] [--split train|test]
//
// Reads through the public API, `ImageDataset.fashionMNIST(split:)`, from the data folder
// (`make data`, or PENUMBRA_DATA). One warm-up read fills the page cache, then each repetition
// is timed on its own; prints one JSON line with every time, the median and the minimum.
import Foundation
import ImageData
import Torch

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("penumbra-bench-read: \(message)\n".utf8))
  exit(2)
}

var repetitions = 10
var split = Split.test
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
  guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
  switch flag {
  case "--repetitions":
    guard let n = Int(value), n > 0 else { fail("--repetitions needs a positive integer, got '\(value)'") }
    repetitions = n
  case "--split":
    guard let s = Split(rawValue: value) else { fail("--split is train or test, got '\(value)'") }
    split = s
  default:
    fail("unknown flag '\(flag)'; known: --repetitions, --split")
  }
}

Torch.configureThreadsFromEnvironment()

func read(_ split: Split) -> (seconds: Double, count: Int) {
  let clock = ContinuousClock()
  var count = 0
  let elapsed = clock.measure {
    do {
      count = try ImageDataset.fashionMNIST(split: split).count
    } catch {
      fail("\(error)")
    }
  }
  return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, count)
}

let (_, count) = read(split)  // warm-up: page cache, libtorch's first allocations
let times = (0..<repetitions).map { _ in read(split).seconds }
let sorted = times.sorted()
let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
let list = times.map { String(format: "%.4f", $0) }.joined(separator: ", ")
print(
  "{\"split\": \"\(split.rawValue)\", \"images\": \(count), \"repetitions\": \(repetitions), "
    + "\"seconds\": [\(list)], \"median\": \(String(format: "%.4f", median)), \"min\": \(String(format: "%.4f", sorted[0]))}")
