/// A benchmark that cannot go on because of something the user passed or left on disk: the
/// message says what was wrong and what to do instead, in one line, and the command line prints
/// it as it is.
public struct ExperimentError: Error, CustomStringConvertible {
  public let description: String

  public init(_ description: String) { self.description = description }
}
