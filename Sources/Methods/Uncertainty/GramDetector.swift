import Foundation
import Torch

/// Out-of-distribution detection with Gram matrices (Sastry and Oore, ICML 2020): a test input
/// is OoD when the higher-order channel correlations of a trained network's activations leave
/// the ranges those correlations took on the training data of the class the network predicts.
///
/// Follows the official code (VectorInstitute/gram-ood-detection, `ResNet_Cifar10.ipynb` and
/// its siblings): for each recorded layer F [B, C, HW] and power p, the feature is the signed
/// p-th root of the row sums of Fᵖ(Fᵖ)ᵀ; training gives per-predicted-class minima and maxima;
/// a layer's deviation sums the relative excess over those bounds across powers and channels and
/// is divided by the softmax confidence; the total is the sum of layer deviations, each divided
/// by its mean on held-out in-distribution data. No OoD data is used for tuning.
///
/// The Gram features are computed in float64: Fᵖ(Fᵖ)ᵀ grows like |F|²ᵖ, so with p = 10
/// float32 (max 3.4e38) overflows to infinity for activations of about 80 (less once summed over
/// a row), which unnormalised conv outputs reach; float64 (max 1.8e308) holds |F| to about 1e15.
public final class GramDetector {
  /// The powers p applied to the activations (the official code uses 1...10).
  public let powers: [Int]
  /// Number of classes the network predicts; bounds are kept per predicted class.
  public let classCount: Int
  /// The fitted bounds and normalisers (nil until `fit`); assign saved statistics to reuse them.
  public var statistics: Statistics? {
    didSet {
      guard let statistics else { return }
      precondition(
        statistics.powers == powers && statistics.classCounts.count == classCount,
        "Gram statistics for powers \(statistics.powers) and \(statistics.classCounts.count) classes do not fit "
          + "a detector with powers \(powers) and \(classCount) classes")
    }
  }

  private let features: (Tensor) -> [Tensor]
  private let predict: (Tensor) -> Prediction

  /// A detector reading per-layer activations from `features` and classes and confidences from
  /// `predict` (use the max softmax probability, by which the official code divides deviations).
  public init(
    classCount: Int, powers: [Int] = Array(1...10), features: @escaping (Tensor) -> [Tensor],
    predict: @escaping (Tensor) -> Prediction
  ) {
    precondition(classCount > 0, "a Gram detector needs at least one class")
    precondition(!powers.isEmpty && powers.allSatisfy { $0 > 0 }, "powers must be positive integers")
    self.classCount = classCount
    self.powers = powers
    self.features = features
    self.predict = predict
  }

  /// A detector whose deviations are not divided by a confidence: `predictedClass` gives int64 [B].
  public convenience init(
    classCount: Int, powers: [Int] = Array(1...10), features: @escaping (Tensor) -> [Tensor],
    predictedClass: @escaping (Tensor) -> Tensor
  ) {
    self.init(classCount: classCount, powers: powers, features: features) { x in
      let classes = predictedClass(x)
      return Prediction(classes: classes, certainty: Tensor.ones([classes.size(0)], dtype: .float64))
    }
  }

  // MARK: The method's steps

  /// Gram features [B, powers, C] of one layer's activations [B, C, ...] ([B, D] counts as C = D).
  public static func gramFeatures(_ activations: Tensor, powers: [Int]) -> Tensor {
    // The official code reshapes to [B, C, -1], so a linear layer's [B, D] becomes [B, D, 1].
    let f = activations.detach().to(.float64).reshape([activations.size(0), activations.size(1), -1])
    let perPower = powers.map { p -> Tensor in
      let fp = f.pow(Double(p))
      // Row sums of G = Fᵖ(Fᵖ)ᵀ: Σⱼ Gᵢⱼ = Fᵖᵢ · Σⱼ Fᵖⱼ, a matrix-vector product per example,
      // equal to summing the C × C matrix but without forming it.
      let rowSums = fp.matmul(fp.sum(1, keepDim: true).mT).squeeze(-1)
      // The root is taken after the row sum, as in the official `G_p`.
      return rowSums.sign() * rowSums.abs().pow(1 / Double(p))
    }
    return Tensor.stack(perPower, dim: 1)
  }

  /// Deviation [B] of Gram features [B, powers, C] from bounds [B or 1, powers, C]: the excess
  /// below the minimum or above the maximum relative to that bound, summed over powers and channels.
  public static func deviation(_ gram: Tensor, minimums: Tensor, maximums: Tensor) -> Tensor {
    // The official code's epsilon sits inside the absolute value: |bound + 1e-6|.
    let below = (minimums - gram).relu() / (minimums + 1e-6).abs()
    let above = (gram - maximums).relu() / (maximums + 1e-6).abs()
    return (below + above).sum(dims: [1, 2])
  }

  /// Records, per layer and predicted class, the minimum and maximum Gram features of the
  /// in-distribution training inputs (classes are the network's predictions, not labels).
  public func fit(trainingBatches: some Sequence<Tensor>) {
    var bounds = ClassBounds(classCount: classCount)
    withNoGrad {
      for x in trainingBatches {
        let classes = predict(x).classes
        bounds.add(features(x).map { Self.gramFeatures($0, powers: powers) }, classes: classes)
      }
    }
    statistics = bounds.statistics(powers: powers)
  }

  /// Sets each layer's normaliser to its mean deviation on held-out in-distribution inputs.
  public func calibrate(validationBatches: some Sequence<Tensor>) {
    precondition(statistics != nil, "fit the Gram detector before calibrating it")
    let layerDeviations = Tensor.cat(validationBatches.map { self.layerDeviations($0) })
    precondition(layerDeviations.size(0) > 0, "calibration needs at least one validation input")
    // The official code adds 1e-7 so that a layer that never deviates does not divide by zero.
    statistics?.normalizers = (layerDeviations.mean(0) + 1e-7).toArray(Double.self)
  }

  /// Per-layer deviations [B, layers] of inputs from their predicted class's bounds, divided by
  /// the prediction's confidence (low-confidence predictions count as more anomalous).
  public func layerDeviations(_ x: Tensor) -> Tensor {
    guard let statistics else { preconditionFailure("fit the Gram detector before scoring inputs") }
    return withNoGrad {
      let prediction = predict(x)
      let layers = features(x)
      precondition(
        layers.count == statistics.minimums.count,
        "features gave \(layers.count) layers, the detector was fitted on \(statistics.minimums.count)")
      let classes = prediction.classes.to(.int64)
      let perLayer = zip(layers, zip(statistics.minimums, statistics.maximums)).map { activations, bounds in
        Self.deviation(
          Self.gramFeatures(activations, powers: powers),
          minimums: bounds.0.indexSelect(dim: 0, index: classes),
          maximums: bounds.1.indexSelect(dim: 0, index: classes))
      }
      // Clamped so that an entropy-based certainty of exactly 0 gives a large, finite score.
      let confidence = prediction.certainty.to(.float64).clamp(min: 1e-6).unsqueeze(1)
      return Tensor.stack(perLayer, dim: 1) / confidence
    }
  }

  /// Total deviation [B] (float64): higher means more likely out of distribution.
  public func deviations(_ x: Tensor) -> Tensor {
    guard let normalizers = statistics?.normalizers else {
      preconditionFailure("calibrate the Gram detector on validation data before scoring inputs")
    }
    let scale = Tensor(normalizers, shape: [1, normalizers.count], dtype: .float64)
    return (layerDeviations(x) / scale).sum(1)
  }
}

/// Running per-class, per-layer minima and maxima of Gram features during `fit`.
private struct ClassBounds {
  let classCount: Int
  /// [layer][class]: bounds [powers, C] or nil while the class has not been predicted.
  var minimums: [[Tensor?]] = []
  var maximums: [[Tensor?]] = []
  var counts: [Int]

  init(classCount: Int) {
    self.classCount = classCount
    counts = Array(repeating: 0, count: classCount)
  }

  /// Widens the bounds with one batch of per-layer Gram features [B, powers, C].
  mutating func add(_ layers: [Tensor], classes: Tensor) {
    if minimums.isEmpty {
      minimums = Array(repeating: Array(repeating: nil, count: classCount), count: layers.count)
      maximums = minimums
    }
    precondition(layers.count == minimums.count, "features must give the same layers for every batch")
    let classes = classes.to(.int64)
    for c in Set(classes.toArray(Int.self)) {
      precondition((0..<classCount).contains(c), "predicted class \(c) is outside 0..<\(classCount)")
      let rows = (classes .== Double(c)).nonzero().squeeze(1)
      counts[c] += rows.size(0)
      for (l, gram) in layers.enumerated() {
        let selected = gram.indexSelect(dim: 0, index: rows)
        let (low, high) = (selected.amin(0), selected.amax(0))
        minimums[l][c] = minimums[l][c].map { minimum($0, low) } ?? low
        maximums[l][c] = maximums[l][c].map { maximum($0, high) } ?? high
      }
    }
  }

  /// The bounds as [classes, powers, C] per layer.
  func statistics(powers: [Int]) -> GramDetector.Statistics {
    precondition(counts.contains { $0 > 0 }, "fitting a Gram detector needs at least one training input")
    return GramDetector.Statistics(
      powers: powers, minimums: minimums.map { stacked($0, union: minimum) },
      maximums: maximums.map { stacked($0, union: maximum) }, classCounts: counts)
  }

  /// Stacks per-class bounds; a class never predicted on the training data borrows the widest
  /// bounds (those of all classes together), so it is neither unscorable nor flagged wholesale.
  private func stacked(_ perClass: [Tensor?], union: (Tensor, Tensor) -> Tensor) -> Tensor {
    let widest = perClass.compactMap { $0 }.reduce(nil as Tensor?) { partial, bound in
      partial.map { union($0, bound) } ?? bound
    }!
    return Tensor.stack(perClass.map { $0 ?? widest })
  }
}
