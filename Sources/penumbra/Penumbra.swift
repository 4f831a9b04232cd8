import ArgumentParser
import Torch

@main
struct Penumbra: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "penumbra",
    abstract: "Uncertainty-aware deep learning on libtorch: train, evaluate, predict, plot.",
    discussion: "Threads: PENUMBRA_THREADS (libtorch, default 1) and PENUMBRA_BLAS_THREADS (OpenBLAS, default 1).",
    subcommands: [
      NeuralProcessCommand.self, GaussianProcessCommand.self, OODCommand.self, SemiSupervisedCommand.self,
      SelfSupervisedCommand.self, BayesOptCommand.self,
      Info.self,
    ]
  )

  static func main() {
    Torch.prepareProcess()  // may restart the process, so before anything else
    main(attachingNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
  }

  /// `--steps -3` becomes `--steps=-3`: ArgumentParser takes a token starting with `-` for an
  /// option, so a negative value would be "missing" instead of checked (and refused, with why).
  static func attachingNegativeNumbers(_ arguments: [String]) -> [String] {
    var result: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument.hasPrefix("--"), !argument.contains("="), index + 1 < arguments.count,
        arguments[index + 1].wholeMatch(of: /-[0-9.].*/) != nil
      {
        result.append("\(argument)=\(arguments[index + 1])")
        index += 2
      } else {
        result.append(argument)
        index += 1
      }
    }
    return result
  }
}

/// Prints what the engine sees: libtorch threads, devices.
struct Info: ParsableCommand {
  static let configuration = CommandConfiguration(abstract: "Show the engine's configuration.")

  func run() throws {
    Torch.configureThreadsFromEnvironment()
    print("libtorch threads: \(Torch.threadCount)")
    print("OpenBLAS threads: \(Torch.blasThreadCount.map(String.init) ?? "n/a")")
    print("OpenBLAS kernels: \(Torch.blasCoreName ?? "n/a")")
    print("cuda: \(Device.cudaIsAvailable ? "available" : "not available")")
  }
}

/// Command-line failures that are the user's to fix; ArgumentParser prints the message.
struct UsageError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
