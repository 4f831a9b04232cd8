import ImageData

/// The image data sets a Neural Process can complete (`make data` provides both).
public enum ImageSource: String, Codable, CaseIterable, Sendable {
  case mnist
  case fashionMNIST = "fashion-mnist"

  public func load(_ split: Split) throws -> ImageDataset {
    switch self {
    case .mnist: try ImageDataset.mnist5k(split: split)
    case .fashionMNIST: try ImageDataset.fashionMNIST(split: split)
    }
  }
}
