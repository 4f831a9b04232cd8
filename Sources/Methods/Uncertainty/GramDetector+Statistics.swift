import Foundation
import Torch

extension GramDetector {
  /// What a fitted Gram detector learned, storable as a safetensors file next to a checkpoint.
  public struct Statistics {
    /// The powers p, in the order of the bounds' second dimension.
    public var powers: [Int]
    /// Per layer: minimum Gram features [classes, powers, C] (float64) by predicted class.
    public var minimums: [Tensor]
    /// Per layer: maximum Gram features [classes, powers, C] (float64) by predicted class.
    public var maximums: [Tensor]
    /// Training inputs predicted as each class (0: the class borrows the union of all bounds).
    public var classCounts: [Int]
    /// Per layer: mean deviation on the validation data (nil until `calibrate`).
    public var normalizers: [Double]?

    public init(
      powers: [Int], minimums: [Tensor], maximums: [Tensor], classCounts: [Int], normalizers: [Double]? = nil
    ) {
      self.powers = powers
      self.minimums = minimums
      self.maximums = maximums
      self.classCounts = classCounts
      self.normalizers = normalizers
    }

    /// Writes the statistics to a safetensors file (tensors `layers.<l>.minimums`/`.maximums`,
    /// `powers`, `class_counts`, and `normalizers` once calibrated), atomically.
    public func save(to url: URL) throws {
      var tensors: [(name: String, tensor: Tensor)] = [
        ("powers", Tensor(powers)),
        ("class_counts", Tensor(classCounts)),
      ]
      for (l, bounds) in zip(minimums, maximums).enumerated() {
        tensors += [("layers.\(l).minimums", bounds.0), ("layers.\(l).maximums", bounds.1)]
      }
      if let normalizers { tensors.append(("normalizers", Tensor(normalizers, dtype: .float64))) }
      try SafeTensors.write(tensors, metadata: ["method": "gram-ood", "layers": "\(minimums.count)"], to: url)
    }

    /// Reads statistics written by `save(to:)`, checking that their shapes agree.
    public static func load(from url: URL) throws -> Statistics {
      let file = try SafeTensors.read(from: url)
      func tensor(_ name: String) throws -> Tensor {
        guard let tensor = file[name] else { throw TorchError("\(url.path): no tensor '\(name)' in Gram statistics") }
        return tensor
      }
      guard let layerCount = file.metadata["layers"].flatMap(Int.init), layerCount > 0 else {
        throw TorchError("\(url.path): Gram statistics need a positive 'layers' count in the metadata")
      }
      let powers = try tensor("powers").toArray(Int.self)
      let classCounts = try tensor("class_counts").toArray(Int.self)
      let minimums = try (0..<layerCount).map { try tensor("layers.\($0).minimums").to(.float64) }
      let maximums = try (0..<layerCount).map { try tensor("layers.\($0).maximums").to(.float64) }
      for (low, high) in zip(minimums, maximums)
      where low.shape != high.shape || low.shape.count != 3 || low.shape[0] != classCounts.count
        || low.shape[1] != powers.count
      {
        throw TorchError(
          "\(url.path): Gram bounds of shapes \(low.shape) and \(high.shape) do not match "
            + "\(classCounts.count) classes and \(powers.count) powers")
      }
      let normalizers = try file["normalizers"].map { tensor -> [Double] in
        guard tensor.count == layerCount else {
          throw TorchError("\(url.path): \(tensor.count) normalizers for \(layerCount) layers")
        }
        return tensor.to(.float64).toArray(Double.self)
      }
      return Statistics(
        powers: powers, minimums: minimums, maximums: maximums, classCounts: classCounts, normalizers: normalizers)
    }
  }
}
