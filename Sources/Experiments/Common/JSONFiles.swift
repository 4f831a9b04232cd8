import Foundation

/// Writes `value` to `url` as pretty JSON with sorted keys (atomically), so result files diff
/// cleanly between runs.
public func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
  try encoder.encode(value).write(to: url, options: .atomic)
}

/// `value` as one line of JSON with sorted keys, so equal values compare equal as text (run
/// configurations in checkpoints, `--json` output).
public func jsonLine<T: Encodable>(_ value: T) -> String {
  let encoder = JSONEncoder()
  encoder.outputFormatting = .sortedKeys
  return String(decoding: try! encoder.encode(value), as: UTF8.self)
}

/// The `T` in the JSON file at `url`, or nil when there is no such file or it holds something
/// else; callers say which command writes the file.
public func readJSON<T: Decodable>(_ type: T.Type, from url: URL) -> T? {
  guard let data = try? Data(contentsOf: url) else { return nil }
  return try? JSONDecoder().decode(type, from: data)
}
