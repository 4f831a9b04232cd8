// swift-tools-version: 6.0
import PackageDescription

// libtorch's headers and libraries default to Debian's `libtorch-dev`; override with
// LIBTORCH_INCLUDE / LIBTORCH_LIB (the names tch-rs uses) to link another build, e.g. CUDA.
let environment = Context.environment
let torchInclude = environment["LIBTORCH_INCLUDE"] ?? "/usr/include"
// /usr/include is already on the search path; adding it again as -isystem breaks libstdc++'s
// #include_next, so only a non-default include directory is passed.
let torchIncludeFlags =
  (torchInclude == "/usr/include" ? [] : ["-isystem", torchInclude])
  + ["-isystem", "\(torchInclude)/torch/csrc/api/include"]
let torchLib = environment["LIBTORCH_LIB"] ?? "/usr/lib/x86_64-linux-gnu"

let package = Package(
  name: "Penumbra",
  platforms: [.macOS(.v14)],
  products: [
    .library(name: "Torch", targets: ["Torch"]),
    .library(name: "NN", targets: ["NN"]),
    .library(name: "Backbones", targets: ["Backbones"]),
    .library(name: "SelfSupervised", targets: ["SelfSupervised"]),
    .library(name: "Plots", targets: ["Plots"]),
    .library(name: "Metrics", targets: ["Metrics"]),
    .library(name: "NeuralProcesses", targets: ["NeuralProcesses"]),
    .library(name: "ImageData", targets: ["ImageData"]),
    .library(name: "Uncertainty", targets: ["Uncertainty"]),
    .library(name: "BayesOpt", targets: ["BayesOpt"]),
    .library(name: "Experiments", targets: ["Experiments"]),
    .executable(name: "penumbra", targets: ["penumbra"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    .target(
      name: "CTorch",
      cxxSettings: [
        .unsafeFlags(torchIncludeFlags + ["-O2", "-fno-math-errno", "-Wno-deprecated-declarations"])
      ],
      linkerSettings: [
        .unsafeFlags(["-L\(torchLib)", "-Xlinker", "-rpath", "-Xlinker", torchLib]),
        .linkedLibrary("torch"),
        .linkedLibrary("torch_cpu"),
        .linkedLibrary("c10"),
      ]
    ),
    .target(name: "Torch", dependencies: ["CTorch"]),
    .target(name: "NN", dependencies: ["Torch"]),
    // The one resumable training loop: objectives returning named loss terms, batch kinds
    // (labelled, labelled + unlabelled, unlabelled, transformed copies), named optimisers,
    // checkpoints with exact mid-epoch resume, progress, divergence and Ctrl-C handling.
    .target(name: "Training", dependencies: ["Torch", "NN"]),
    .testTarget(name: "TrainingTests", dependencies: ["Training", "NN", "Torch"]),
    // Networks several methods share, without a method's head or loss: the DUQ paper's CNN for
    // 28×28 images and the DS3L paper's MNIST CNN (later a wide ResNet).
    .target(name: "Backbones", dependencies: ["Torch", "NN"]),
    // Exact Gaussian-process regression: the baseline and oracle of the Neural Process experiments.
    .target(name: "GaussianProcesses", dependencies: ["Torch", "NN"], path: "Sources/Methods/GaussianProcesses"),
    .testTarget(name: "GaussianProcessesTests", dependencies: ["GaussianProcesses"]),
    // Data: GP curve tasks (the NP protocols), point sets, task files.
    .target(name: "Datasets", dependencies: ["Torch", "GaussianProcesses"], path: "Sources/Data/Datasets"),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "GaussianProcesses"]),
    // The Neural Process family (CNP, NP, AttnCNP, ANP) of Kim et al. 2019 and its predecessors.
    .target(name: "NeuralProcesses", dependencies: ["Torch", "NN", "Training", "Datasets", "GaussianProcesses", "ImageData"], path: "Sources/Methods/NeuralProcesses"),
    .testTarget(name: "NeuralProcessesTests", dependencies: ["NeuralProcesses", "ImageData", "Training"], resources: [.copy("Fixtures")]),
    // Single-model uncertainty and its baselines: DUQ (van Amersfoort et al. 2020), softmax, deep ensembles.
    .target(name: "Uncertainty", dependencies: ["Torch", "NN", "Training"], path: "Sources/Methods/Uncertainty"),
    .testTarget(name: "UncertaintyTests", dependencies: ["Uncertainty", "Backbones", "Experiments", "Datasets", "NN", "Training", "Torch", "ImageData", "Metrics"]),
    // Semi-supervised learning with unseen-class unlabelled data (issue 33): DS3L (Guo et al.
    // 2020), NS3L's negative sampling (Chen et al. 2020) and the Π-model, pseudo-label and VAT
    // baselines, and FlowGMM (Izmailov et al. 2020, issue 34) on NN's flows, each an Objective
    // over SemiSupervisedBatch.
    .target(name: "SemiSupervised", dependencies: ["Torch", "NN", "Training"], path: "Sources/Methods/SemiSupervised"),
    .testTarget(
      name: "SemiSupervisedTests", dependencies: ["SemiSupervised", "Backbones", "Training", "NN", "Torch", "Datasets", "ImageData"],
      resources: [.copy("Fixtures")]),
    // Self-supervision (issue 35): self-supervised label augmentation (Lee et al. 2020) with its
    // SI / AG / SD inference and the plain, DA and MT baselines, and automatic shortcut removal
    // by a lens (Minderer et al. 2020), each an Objective over TransformedCopiesBatch.
    .target(name: "SelfSupervised", dependencies: ["Torch", "NN", "Training", "Backbones"], path: "Sources/Methods/SelfSupervised"),
    .testTarget(
      name: "SelfSupervisedTests", dependencies: ["SelfSupervised", "Backbones", "Training", "NN", "Torch", "ImageData"],
      resources: [.copy("Fixtures")]),
    // Bayesian optimisation by Thompson sampling with GP and Neural Process surrogates (the NP paper's experiment).
    .target(name: "BayesOpt", dependencies: ["Torch", "Datasets", "GaussianProcesses", "NeuralProcesses"], path: "Sources/Methods/BayesOpt"),
    .testTarget(name: "BayesOptTests", dependencies: ["BayesOpt", "GaussianProcesses", "NeuralProcesses", "Torch"]),
    // The benchmarks: run configurations, training and scoring drivers, typed results, figures
    // and reports, one folder per benchmark. Methods never import it (nor Plots or Metrics).
    .target(
      name: "Experiments",
      dependencies: [
        "Torch", "NN", "Training", "Datasets", "ImageData", "Metrics", "Plots", "Backbones", "GaussianProcesses",
        "NeuralProcesses", "Uncertainty", "BayesOpt", "SemiSupervised", "SelfSupervised",
      ]),
    .testTarget(name: "ExperimentsTests", dependencies: ["Experiments"]),
    // The command line: flags into the parameters of one Experiments call, and its result printed.
    // The method targets are here only for the flag types they define (kinds, kernels, measures).
    .executableTarget(
      name: "penumbra",
      dependencies: [
        "Experiments", "Torch", "Training", "Datasets", "GaussianProcesses", "NeuralProcesses", "Uncertainty", "BayesOpt",
        "SemiSupervised",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The command line itself: bad flags refused with what to do, a run trained, resumed, scored,
    // reported and asked to predict end to end.
    .testTarget(
      name: "PenumbraTests",
      dependencies: ["penumbra", "Experiments", "Torch", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(name: "fit-mlp", dependencies: ["Torch", "NN"], path: "Examples/FitMLP"),
    .executableTarget(name: "two-loss-autoencoder", dependencies: ["Torch", "NN", "Training"], path: "Examples/TwoLossAutoencoder"),
    // Training-step speed against PyTorch on the same libtorch (`make bench-core`): MLPs, and the
    // OoD benchmark's CNN under softmax and DUQ.
    .executableTarget(name: "penumbra-bench", dependencies: ["Torch", "NN", "Training", "Backbones", "Uncertainty", "Experiments"], path: "Benchmarks/Swift"),
    // Neural Process speed and memory against PyTorch and the exact GP (`make bench-np`).
    .executableTarget(
      name: "penumbra-bench-np", dependencies: ["Torch", "NN", "Datasets", "GaussianProcesses", "NeuralProcesses"],
      path: "Benchmarks/SwiftNP"),
    // How long reading Fashion-MNIST's test split takes (gunzip, IDX parsing, the float tensor).
    .executableTarget(name: "penumbra-bench-read", dependencies: ["Torch", "ImageData"], path: "Benchmarks/ImageRead"),
    .testTarget(name: "TorchTests", dependencies: ["Torch"]),
    .testTarget(name: "NNTests", dependencies: ["NN"], resources: [.copy("Fixtures")]),
    // Normalising flows (Sources/NN/Flows): inverses, log-determinants against the autograd Jacobian.
    .testTarget(name: "FlowTests", dependencies: ["NN", "Torch"]),
    // The system zlib (zlib1g-dev, which `make deps` installs) and thin Swift wrappers over it:
    // zlib streams for PNG, gzip for the data sets, CRC-32. Chosen over the compress-nio package,
    // which pulls in swift-nio: minutes more of every CI build for two functions.
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "Zlib", dependencies: ["CZlib"]),
    // Figures: PNG encoding, raster drawing and plot layout; depends on Foundation and Zlib.
    .target(name: "Plots", dependencies: ["Zlib"]),
    .testTarget(name: "PlotsTests", dependencies: ["Plots", "Zlib"], resources: [.copy("Fixtures")]),
    // Calibration (accuracy, NLL, Brier, ECE) and OoD-detection scores (AUROC, AUPR, FPR95) on
    // plain Swift arrays, with reliability and score-histogram figures.
    .target(name: "Metrics", dependencies: ["Plots"]),
    .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Plots"], resources: [.copy("Fixtures")]),
    // Image data sets (Fashion-MNIST, MNIST 5k) and the ANP paper's pixel-regression tasks;
    // their gzip files are read with the system zlib.
    .target(name: "ImageData", dependencies: ["Torch", "Zlib", "Datasets"], path: "Sources/Data/ImageData"),
    .testTarget(name: "ImageDataTests", dependencies: ["ImageData", "Zlib"], resources: [.copy("Fixtures")]),
  ],
  cxxLanguageStandard: .cxx17
)
