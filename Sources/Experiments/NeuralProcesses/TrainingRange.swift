import Datasets

/// Warnings for inputs unlike any the curve models trained on: x outside [−2, 2] (every
/// protocol's range), where a prediction is an extrapolation, or y far beyond the unit-scale
/// functions they learned. `x`: a name ("query points") and the x values; `y`: the observed y.
public func trainingRangeWarnings(x points: [(name: String, x: [Double])], y: [Double]) -> [String] {
  var warnings: [String] = []
  let range = GPCurveSampler.xRange
  let outside = points.compactMap { name, xs in
    let count = xs.filter { !range.contains($0) }.count
    return count == 0 ? nil : "\(count) of the \(xs.count) \(name)"
  }
  if !outside.isEmpty {
    warnings.append(
      "warning: \(outside.joined(separator: " and ")) lie outside x ∈ [\(range.lowerBound), \(range.upperBound)], "
        + "where the model was trained; its predictions there are extrapolations. Rescale x into that range to stay within it.")
  }
  // The training functions have unit variance (noisy Matérn: 1.1), so |y| > 10 is a 9σ event.
  if let largest = y.map(abs).max(), largest > 10 {
    warnings.append(
      "warning: |y| reaches \(largest), but the model was trained on functions of unit scale (|y| rarely above 3); "
        + "standardise y (subtract the mean, divide by the standard deviation) and scale the predictions back.")
  }
  return warnings
}

/// `trainingRangeWarnings` on standard error.
func warnOutsideTrainingRange(x points: [(name: String, x: [Double])], y: [Double]) {
  for warning in trainingRangeWarnings(x: points, y: y) { printToStandardError(warning) }
}
