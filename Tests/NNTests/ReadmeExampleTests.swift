import Foundation
import Testing

/// The README promises its examples run as written: its Swift blocks must be exactly the
/// sources of the example targets, in order (`fit-mlp`, `two-loss-autoencoder`), which the build
/// compiles.
@Test(arguments: [(0, "Examples/FitMLP/main.swift"), (1, "Examples/TwoLossAutoencoder/main.swift")])
func readmeExampleIsTheBuiltExample(block: Int, path: String) throws {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
  let example = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
  var searchFrom = readme.startIndex
  var body = ""
  for _ in 0...block {
    let start = try #require(readme.range(of: "```swift\n", range: searchFrom..<readme.endIndex))
    let end = try #require(readme.range(of: "\n```", range: start.upperBound..<readme.endIndex))
    body = String(readme[start.upperBound..<end.lowerBound])
    searchFrom = end.upperBound
  }
  #expect(body + "\n" == example)
}
