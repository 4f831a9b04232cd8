import Foundation
import Plots
import Testing

@testable import Metrics

@Suite struct MetricFiguresTests {
  /// Number of pixels within 0.05 of `color` in each channel.
  func count(_ color: Color, in image: PNGImage) -> Int {
    let target = [color.red, color.green, color.blue].map { $0 * 255 }
    let channels = image.format.rawValue
    return stride(from: 0, to: image.pixels.count, by: channels).filter { i in
      (0..<3).allSatisfy { abs(Double(image.pixels[i + $0]) - target[$0]) <= 13 }
    }.count
  }

  func temporaryURL(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-metrics-\(UUID().uuidString)")
      .appendingPathComponent(name)
  }

  @Test func reliabilityFigureWritesADecodablePNG() throws {
    let confidences = (0..<200).map { 0.3 + 0.7 * Double($0) / 199 }
    let correct = confidences.enumerated().map { i, c in Double(i % 10) / 10 < c - 0.15 }
    let diagram = ReliabilityDiagram(confidences: confidences, correct: correct)
    let figure = reliabilityFigure(diagram, title: "toy", width: 320, height: 300)
    let url = temporaryURL("reliability.png")
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    try figure.write(to: url)
    let image = try PNGImage(contentsOf: url)
    #expect(image.width == figure.width && image.height == figure.height)
    // The accuracy bars are drawn in blue (85% over white) and cover a good part of the panel.
    #expect(count(Color.blue.mixed(with: .white, 0.15), in: image) > 1000)
    #expect(figure.grid[0][0].title?.hasPrefix("toy (ECE = 0.") == true)
  }

  @Test func scoreHistogramFigureOverlaysEverySet() throws {
    let inDist = (0..<500).map { pow(Double($0 % 97) / 97, 3) }
    let nearOOD = (0..<300).map { 0.4 + 0.5 * Double($0 % 89) / 89 }
    let farOOD = (0..<300).map { 1.0 + 0.3 * Double($0 % 83) / 83 }
    let figure = scoreHistogramFigure(
      inDistribution: inDist, outOfDistribution: [("near", nearOOD), ("far", farOOD)], scoreName: "entropy",
      width: 360, height: 240)
    let url = temporaryURL("histogram.png")
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    try figure.write(to: url)
    let image = try PNGImage(contentsOf: url)
    #expect(image.width == figure.width && image.height == figure.height)
    // Each set is drawn half-transparent in its palette colour; the far set overlaps nothing.
    for color in [Color.blue, .orange, .green] {
      #expect(count(color.mixed(with: .white, 0.5), in: image) > 100, "no \(color) bars")
    }
  }
}
