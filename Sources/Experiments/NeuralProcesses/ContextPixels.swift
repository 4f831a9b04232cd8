import Foundation
import ImageData

/// Context pixels of an image-completion task, as the command line names them: a count, or
/// `top-half`, `left-half`, `all`.
public struct ContextPixels: Codable, CustomStringConvertible, Sendable {
  public let selection: ContextSelection
  public let description: String

  public init?(argument: String) {
    switch argument {
    case "top-half": selection = .topHalf
    case "left-half": selection = .leftHalf
    case "all": selection = .all
    default:
      guard let count = Int(argument), count >= 0 else { return nil }
      selection = .fixedCount(count)
    }
    description = argument
  }

  public init(from decoder: Decoder) throws {
    let text = try decoder.singleValueContainer().decode(String.self)
    guard let parsed = ContextPixels(argument: text) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad context pixels '\(text)'"))
    }
    self = parsed
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }

  /// The context sizes of the ANP paper's completion figure.
  public static let figureRows = ["10", "50", "100", "300", "top-half", "all"].compactMap(ContextPixels.init(argument:))
}
