import Foundation

/// Why an image file could not be read. Every case names the file, so a message alone tells
/// the user which download to repeat.
public enum ImageDataError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// The file does not exist; `make data` fetches the data sets into the data folder.
  case missingFile(path: String)
  /// The file exists but its contents are not what its format promises.
  case corrupt(path: String, reason: String)

  public var description: String {
    switch self {
    case .missingFile(let path):
      "\(path) not found: run `make data` to fetch the image data sets "
        + "(or set PENUMBRA_DATA to the folder that holds them)"
    case .corrupt(let path, let reason):
      "\(path) is corrupt or truncated: \(reason)"
    }
  }

  public var errorDescription: String? { description }
}

/// Reads a whole file, mapping a missing file to `ImageDataError.missingFile`.
func readBytes(_ url: URL) throws -> [UInt8] {
  guard FileManager.default.fileExists(atPath: url.path) else {
    throw ImageDataError.missingFile(path: url.path)
  }
  do {
    return [UInt8](try Data(contentsOf: url))
  } catch {
    throw ImageDataError.corrupt(path: url.path, reason: "unreadable (\(error.localizedDescription))")
  }
}
