import Foundation
import Testing

/// The README promises its MLP example runs as written: it must be exactly the source of the
/// `fit-mlp` example target, which the build compiles and `make demo` runs.
@Test func readmeExampleIsTheBuiltExample() throws {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
  let example = try String(contentsOf: root.appendingPathComponent("Examples/FitMLP/main.swift"), encoding: .utf8)
  let start = try #require(readme.range(of: "```swift\n"))
  let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
  #expect(String(readme[start.upperBound..<end.lowerBound]) + "\n" == example)
}
