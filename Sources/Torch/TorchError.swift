import CTorch
import Foundation

/// A failure reported by libtorch (or by Penumbra's checks of user input), with its message.
public struct TorchError: Error, CustomStringConvertible, Equatable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Runs `body` so that libtorch errors become a thrown `TorchError` instead of a trap.
///
/// Use it around operations whose validity depends on user input (shapes read from a file,
/// command-line arguments). Inside the scope a failing op returns an undefined tensor and
/// later ops on it fail too; the first error is thrown when the scope ends.
public func withTorchErrors<Result>(_ body: () throws -> Result) throws -> Result {
  let scopes = ErrorScopes.current
  scopes.depth += 1
  let outerError = scopes.firstError
  scopes.firstError = nil
  defer {
    scopes.depth -= 1
    scopes.firstError = outerError
  }
  let result = try body()
  if let error = scopes.firstError { throw error }
  return result
}

/// Per-thread error-scope state; only touched when an operation fails.
final class ErrorScopes {
  var depth = 0
  var firstError: TorchError?

  static var current: ErrorScopes {
    let key = "penumbra.torch.error-scopes"
    let dictionary = Thread.current.threadDictionary
    if let scopes = dictionary[key] as? ErrorScopes { return scopes }
    let scopes = ErrorScopes()
    dictionary[key] = scopes
    return scopes
  }
}

/// The message of the last failing shim call on this thread.
package func lastTorchError() -> String { String(cString: pt_last_error()) }

/// Records libtorch's last error in an error scope, or traps with it (a programmer error).
package func reportFailure(function: StaticString = #function) {
  let error = TorchError(lastTorchError())
  let scopes = ErrorScopes.current
  guard scopes.depth > 0 else {
    fatalError("libtorch error in \(function): \(error.message)")
  }
  if scopes.firstError == nil { scopes.firstError = error }
}

/// Wraps a handle returned by the shim; a NULL handle is a failure (see `reportFailure`).
@inline(__always)
package func wrap(_ handle: pt_tensor?, function: StaticString = #function) -> Tensor {
  if let handle { return Tensor(handle: handle) }
  reportFailure(function: function)
  return Tensor(handle: pt_undefined())
}

/// Checks a status returned by the shim; returns false on (scoped) failure.
@discardableResult @inline(__always)
package func check(_ status: Int32, function: StaticString = #function) -> Bool {
  if status == 0 { return true }
  reportFailure(function: function)
  return false
}
