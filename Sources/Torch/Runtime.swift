import CTorch
import Foundation

/// Process-wide libtorch settings: random seed, threads, grad mode.
public enum Torch {
  /// Seeds libtorch's global CPU generator (rand, randn, dropout, sampling).
  public static func manualSeed(_ seed: UInt64) { pt_manual_seed(seed) }

  /// The global CPU generator's state (uint8), to save beside a checkpoint so that a resumed
  /// run draws what an uninterrupted one would.
  public static func generatorState() -> Tensor { wrap(pt_generator_state()) }

  /// Puts back a state from `generatorState()`; throws when `state` is not one.
  public static func restoreGenerator(_ state: Tensor) throws {
    try withTorchErrors { _ = state.withHandle { check(pt_set_generator_state($0)) } }
  }

  /// Threads libtorch uses for intra-op parallelism.
  public static var threadCount: Int {
    get { Int(pt_get_num_threads()) }
    set { pt_set_num_threads(Int32(max(newValue, 1))) }
  }

  /// Whether operations on this thread record the autograd graph.
  public static var isGradEnabled: Bool { pt_is_grad_enabled() != 0 }
}

/// Runs `body` without recording the autograd graph (like `torch.no_grad()`).
///
/// Grad mode is thread-local in libtorch: keep the body synchronous.
public func withNoGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  let previous = pt_set_grad_enabled(0)
  defer { pt_set_grad_enabled(previous) }
  return try body()
}

/// Runs `body` with the autograd graph recorded, even inside `withNoGrad`.
public func withGrad<Result>(_ body: () throws -> Result) rethrows -> Result {
  let previous = pt_set_grad_enabled(1)
  defer { pt_set_grad_enabled(previous) }
  return try body()
}

// MARK: Thread settings

extension Torch {
  /// Threads OpenBLAS uses inside libtorch's matmuls, or nil when libtorch's BLAS is not OpenBLAS.
  ///
  /// OpenBLAS keeps its own thread pool next to libtorch's OpenMP threads (`threadCount`).
  public static var blasThreadCount: Int? {
    get {
      let n = pt_get_blas_threads()
      return n < 0 ? nil : Int(n)
    }
    set {
      guard let newValue else { return }
      check(pt_set_blas_threads(Int32(max(newValue, 1))))
    }
  }

  /// libtorch intra-op threads `configureThreadsFromEnvironment()` uses when `PENUMBRA_THREADS`
  /// is unset. Chosen by measurement (`make bench-core` on 2 cores): one libtorch thread with
  /// OpenBLAS's own pool (2 threads) doing the matmuls was fastest; two libtorch threads next
  /// to OpenBLAS's two oversubscribe the cores and made the 1024-wide MLP 1.8x slower (and
  /// PyTorch's 128-wide one 3x slower).
  public static let defaultThreadCount = 1

  /// OpenBLAS threads `configureThreadsFromEnvironment()` uses when neither
  /// `PENUMBRA_BLAS_THREADS` nor `OPENBLAS_NUM_THREADS` is set. OpenBLAS's own default (one per
  /// core) waits for its workers, which other busy processes starve: with two training jobs on
  /// the 2 cores the demo's ANP ran at 1.2 steps/s with two OpenBLAS threads and 24–25 with
  /// one. On the idle machine two threads gained 5 % on that ANP (35–37 against 33.5–34.7
  /// steps/s) and lost on an image AttnCNP (3.1 against 3.7), so one it is; a lone job with
  /// large matmuls can ask for more.
  public static let defaultBLASThreadCount = 1

  /// Applies thread settings from the environment: `PENUMBRA_THREADS` (libtorch intra-op
  /// threads, default `defaultThreadCount`) and `PENUMBRA_BLAS_THREADS` (OpenBLAS threads,
  /// default `defaultBLASThreadCount`; an `OPENBLAS_NUM_THREADS` of the user's is respected).
  ///
  /// Call it once at start-up, before any work; the command-line tool and benchmarks do.
  public static func configureThreadsFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
    threadCount = positiveInteger(environment["PENUMBRA_THREADS"]) ?? defaultThreadCount
    if let blas = positiveInteger(environment["PENUMBRA_BLAS_THREADS"]) {
      blasThreadCount = blas
    } else if environment["OPENBLAS_NUM_THREADS"] == nil {
      blasThreadCount = defaultBLASThreadCount
    }
  }

  private static func positiveInteger(_ text: String?) -> Int? {
    guard let text, let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
    return value
  }
}

// MARK: BLAS kernels

extension Torch {
  /// The kernel family OpenBLAS chose for this CPU ("SkylakeX", "Haswell", "Prescott", ...), or
  /// nil when libtorch's BLAS is not OpenBLAS.
  public static var blasCoreName: String? { pt_blas_core_name().map { String(cString: $0) } }

  /// The OpenBLAS kernel family to ask for instead of `current`, or nil to keep it.
  ///
  /// OpenBLAS picks its kernels from the CPU model, and a model newer than the library (Debian
  /// 12's OpenBLAS 0.3.21 on this project's Xeon, model 207) gets the SSE3 "Prescott" fallback.
  /// On that machine bench-core's compute case ran at 4.24 steps/s with it and 14.33 with
  /// "SkylakeX", and NPF's CNP trained at 4.2–4.6 against 10.5–13.4 steps/s (docs/results.md).
  /// So a CPU whose flags allow a better family gets it.
  public static func preferredBLASCore(current: String, cpuFlags: Set<String>) -> String? {
    guard current.lowercased() == "prescott" else { return nil }
    if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
    if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }

  /// Restarts the process with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to a slower kernel
  /// family than the CPU supports (see `preferredBLASCore`). OpenBLAS reads the variable only
  /// when it loads, hence the restart. A `OPENBLAS_CORETYPE` that is already set is respected
  /// (it is the user's choice, and it stops a second restart).
  ///
  /// Returns normally when nothing needs changing or the restart fails. `prepareProcess` calls it.
  public static func selectBLASKernel() {
    guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
      let current = blasCoreName,
      let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let preferred = preferredBLASCore(current: current, cpuFlags: Set(flagsLine.split(separator: " ").map(String.init)))
    else { return }
    setenv("OPENBLAS_CORETYPE", preferred, 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
  }
}

// MARK: Process set-up

extension Torch {
  /// What a program that trains should do first thing in `main`, before any output or work
  /// (the command-line tool and the benchmarks do): `selectBLASKernel()`, which may restart the
  /// process, then `keepFreedMemory()` unless `PENUMBRA_KEEP_FREED_MEMORY=0`.
  public static func prepareProcess() {
    selectBLASKernel()
    if ProcessInfo.processInfo.environment["PENUMBRA_KEEP_FREED_MEMORY"] != "0" { keepFreedMemory() }
  }

  /// Keeps memory that libtorch frees in the process's heap for its next tensors instead of
  /// handing it back to the system.
  ///
  /// glibc serves each allocation above its mmap threshold (at most 32 MiB) with fresh pages and
  /// unmaps them on free, so a training step whose temporaries are that large pays for
  /// zero-filling them again every step: an image AttnCNP's attention weights are
  /// 16 × 8 × 784 × 235 floats (94 MB), and a quarter of its time went to page faults. With the
  /// memory kept it trained 1.5–1.9× faster (docs/results.md). The price is memory: the heap stays at the run's
  /// peak, and blocks of changing sizes fragment it (the exact GP posterior at 4,000 contexts
  /// peaked at 3.2 GB instead of 1.5 GB, no faster); `PENUMBRA_KEEP_FREED_MEMORY=0` opts out.
  public static func keepFreedMemory() { pt_keep_freed_memory() }
}
