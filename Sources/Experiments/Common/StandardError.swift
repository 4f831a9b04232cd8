import Foundation

/// Progress and warnings of a benchmark on standard error, so standard output stays the
/// result alone (scripts save it as Markdown or JSON).
public func printToStandardError(_ line: String) {
  FileHandle.standardError.write(Data((line + "\n").utf8))
}
