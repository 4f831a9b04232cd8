import Foundation
import Testing

/// Inputs and reference values written by Fixtures/make_reference.py (scikit-learn and numpy).
struct MetricsReference: Decodable {
  struct Calibration: Decodable {
    let name: String
    let probabilities: [[Double]]
    let labels: [Int]
    let accuracy, nll, brier, ece: Double
    let binAccuracy, binConfidence: [Double]
    let binCount: [Int]
  }

  struct OOD: Decodable {
    let name: String
    let `in`, out: [Double]
    let auroc, auprIn, auprOut, fpr95, tnr95, detectionAccuracy: Double
  }

  let sklearn: String
  let bins: Int
  let calibration: [Calibration]
  let ood: [OOD]

  static func load() throws -> MetricsReference {
    let url = try #require(
      Bundle.module.url(forResource: "metrics_reference", withExtension: "json", subdirectory: "Fixtures"))
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(MetricsReference.self, from: Data(contentsOf: url))
  }
}

/// Expects |actual − expected| ≤ tolerance · max(1, |expected|).
func expectClose(
  _ actual: Double, _ expected: Double, tolerance: Double = 1e-9, _ what: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    abs(actual - expected) <= tolerance * max(1, abs(expected)), "\(what): \(actual) != \(expected)",
    sourceLocation: sourceLocation)
}
