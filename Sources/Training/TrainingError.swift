import Foundation

/// Why a training run stopped early.
public enum TrainingError: Error, CustomStringConvertible {
  /// A loss or a parameter stopped being finite in step (or epoch) `at` (1-based); the last
  /// good checkpoint, after `lastGood` steps or epochs, was kept.
  case diverged(unit: String, at: Int, loss: Double, checkpoint: URL?, lastGood: Int?)
  /// Ctrl-C or SIGTERM: the state after step `step` was saved; rerun with resume to continue.
  case interrupted(step: Int, checkpoint: URL)

  public var description: String {
    switch self {
    case .diverged(let unit, let at, let loss, let checkpoint, let lastGood):
      let kept =
        if let lastGood, let checkpoint { "the last good checkpoint (\(unit) \(lastGood)) is kept at \(checkpoint.path)" }
        else { "no checkpoint was written" }
      return "training diverged at \(unit) \(at) (loss \(loss)); \(kept). Lower the learning rate or resume from it."
    case .interrupted(let step, let checkpoint):
      return "interrupted at step \(step); state saved to \(checkpoint.path) — rerun with --resume to continue."
    }
  }
}

/// Turns Ctrl-C (SIGINT) and `kill` (SIGTERM) into a flag a training loop checks, so it can
/// save before stopping.
public enum InterruptFlag {
  nonisolated(unsafe) public static var isSet = false

  /// Clears the flag and installs the handlers; returns the previous ones for `uninstall`.
  ///
  /// Also unblocks both signals on this thread: a process inherits its parent's signal mask,
  /// and one started by a parent that blocks them (a test runner's `Process`, some job
  /// launchers) would otherwise never see Ctrl-C or `kill` and run on to the end.
  public static func install() -> [sig_t?] {
    isSet = false
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    return [SIGINT, SIGTERM].map { signal($0) { _ in InterruptFlag.isSet = true } }
  }

  public static func uninstall(_ previous: [sig_t?]) {
    for (signalNumber, handler) in zip([SIGINT, SIGTERM], previous) { signal(signalNumber, handler) }
  }
}
