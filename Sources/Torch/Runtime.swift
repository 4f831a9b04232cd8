import CTorch

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
