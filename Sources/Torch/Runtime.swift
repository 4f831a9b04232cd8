import CTorch
import Foundation

/// Process-wide libtorch settings: random seed, threads, grad mode.
public enum Torch {
  /// Seeds libtorch's global CPU generator (rand, randn, dropout, sampling).
  public static func manualSeed(_ seed: UInt64) { pt_manual_seed(seed) }

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

  /// Applies thread settings from the environment: `PENUMBRA_THREADS` (libtorch intra-op
  /// threads, default `defaultThreadCount`) and `PENUMBRA_BLAS_THREADS` (OpenBLAS threads;
  /// unset leaves OpenBLAS's own default, which honours `OPENBLAS_NUM_THREADS`).
  ///
  /// Call it once at start-up, before any work; the command-line tool and benchmarks do.
  public static func configureThreadsFromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
    threadCount = positiveInteger(environment["PENUMBRA_THREADS"]) ?? defaultThreadCount
    if let blas = positiveInteger(environment["PENUMBRA_BLAS_THREADS"]) { blasThreadCount = blas }
  }

  private static func positiveInteger(_ text: String?) -> Int? {
    guard let text, let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else { return nil }
    return value
  }
}
