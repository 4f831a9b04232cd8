import ArgumentParser
import Torch

@main
struct Penumbra: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "penumbra",
    abstract: "Uncertainty-aware deep learning on libtorch: train, evaluate, predict, plot, benchmark.",
    subcommands: [Info.self]
  )
}

/// Prints what the engine sees: libtorch threads, devices, grad mode.
struct Info: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Show the engine's configuration.")

  func run() throws {
    print("threads: \(Torch.threadCount)")
    print("cuda: \(Device.cudaIsAvailable ? "available" : "not available")")
    print("live tensors: \(Tensor.liveCount)")
  }
}
