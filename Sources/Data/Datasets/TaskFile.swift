import Foundation
import Torch

/// A problem with a user's data file, naming the file, the line and what is wrong.
public struct DataFileError: Error, CustomStringConvertible {
  public let file: String
  public let line: Int?
  public let problem: String

  public var description: String {
    "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)"
  }
}

/// One regression task as written in a JSON Lines tasks file.
public struct RegressionTask: Codable, Equatable, Sendable {
  /// Inputs as rows of D numbers (a 1-D task's numbers are read as rows of one).
  public var xContext: [[Double]]
  public var yContext: [Double]
  public var xTarget: [[Double]]
  public var yTarget: [Double]

  enum CodingKeys: String, CodingKey {
    case xContext = "x_context", yContext = "y_context", xTarget = "x_target", yTarget = "y_target"
  }

  public init(xContext: [[Double]], yContext: [Double], xTarget: [[Double]], yTarget: [Double]) {
    self.xContext = xContext
    self.yContext = yContext
    self.xTarget = xTarget
    self.yTarget = yTarget
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func inputs(_ key: CodingKeys) throws -> [[Double]] {
      if let flat = try? c.decode([Double].self, forKey: key) { return flat.map { [$0] } }
      return try c.decode([[Double]].self, forKey: key)
    }
    xContext = try inputs(.xContext)
    yContext = try c.decode([Double].self, forKey: .yContext)
    xTarget = try inputs(.xTarget)
    yTarget = try c.decode([Double].self, forKey: .yTarget)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    if (xContext + xTarget).allSatisfy({ $0.count == 1 }) {
      try c.encode(xContext.map { $0[0] }, forKey: .xContext)
      try c.encode(xTarget.map { $0[0] }, forKey: .xTarget)
    } else {
      try c.encode(xContext, forKey: .xContext)
      try c.encode(xTarget, forKey: .xTarget)
    }
    try c.encode(yContext, forKey: .yContext)
    try c.encode(yTarget, forKey: .yTarget)
  }

  var dimension: Int { (xTarget.first ?? xContext.first)?.count ?? 1 }
}

/// Reading and writing tasks files: JSON Lines, one task a line.
public enum TaskFile {
  public static func read(_ url: URL) throws -> [RegressionTask] {
    let text: String
    do { text = try String(contentsOf: url, encoding: .utf8) } catch {
      throw DataFileError(file: url.path, line: nil, problem: "cannot read the file (\(error.localizedDescription))")
    }
    var tasks: [RegressionTask] = []
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty else { continue }
      let task: RegressionTask
      do { task = try JSONDecoder().decode(RegressionTask.self, from: Data(trimmed.utf8)) } catch let error as DecodingError {
        throw DataFileError(file: url.path, line: index + 1, problem: describe(error))
      }
      try validate(task, file: url.path, line: index + 1, dimension: tasks.first?.dimension)
      tasks.append(task)
    }
    guard !tasks.isEmpty else { throw DataFileError(file: url.path, line: nil, problem: "no tasks (expected one JSON object a line)") }
    return tasks
  }

  public static func write(_ tasks: [RegressionTask], to url: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let lines = try tasks.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
  }

  static func validate(_ task: RegressionTask, file: String, line: Int, dimension: Int?) throws {
    func fail(_ problem: String) throws -> Never { throw DataFileError(file: file, line: line, problem: problem) }
    if task.xContext.count != task.yContext.count {
      try fail("x_context has \(task.xContext.count) points but y_context has \(task.yContext.count)")
    }
    if task.xTarget.count != task.yTarget.count {
      try fail("x_target has \(task.xTarget.count) points but y_target has \(task.yTarget.count)")
    }
    if task.xTarget.isEmpty { try fail("a task needs at least one target point") }
    let d = task.dimension
    if (task.xContext + task.xTarget).contains(where: { $0.count != d }) { try fail("inputs must all have \(d) coordinates") }
    if let dimension, d != dimension { try fail("inputs have \(d) coordinates but earlier tasks have \(dimension)") }
    let values = task.yContext + task.yTarget + (task.xContext + task.xTarget).flatMap { $0 }
    if values.contains(where: { !$0.isFinite }) { try fail("a value is not a finite number") }
  }

  static func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, _): "missing \"\(key.stringValue)\""
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      "\"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" must be numbers (\(context.debugDescription))"
    case .dataCorrupted(let context): "not valid JSON (\(context.debugDescription))"
    @unknown default: "\(error)"
    }
  }

  /// Pads tasks into point sets: (context, target), float64.
  public static func batch(_ tasks: [RegressionTask]) -> (context: PointSet, target: PointSet) {
    func points(_ xs: [[[Double]]], _ ys: [[Double]]) -> PointSet {
      let d = tasks[0].dimension
      let width = Swift.max(xs.map(\.count).max() ?? 0, 1)
      var x: [Double] = []
      var y: [Double] = []
      var mask: [Double] = []
      for (taskX, taskY) in zip(xs, ys) {
        let pad = width - taskX.count
        x += taskX.flatMap { $0 } + Array(repeating: 0, count: pad * d)
        y += taskY + Array(repeating: 0, count: pad)
        mask += Array(repeating: 1, count: taskX.count) + Array(repeating: 0, count: pad)
      }
      let b = xs.count
      return PointSet(
        x: Tensor(x, shape: [b, width, d], dtype: .float64), y: Tensor(y, shape: [b, width, 1], dtype: .float64),
        mask: Tensor(mask, shape: [b, width], dtype: .float64))
    }
    return (points(tasks.map(\.xContext), tasks.map(\.yContext)), points(tasks.map(\.xTarget), tasks.map(\.yTarget)))
  }

  /// The real points of each task of a batch, as tasks (x divided by `xScale`).
  public static func tasks(context: PointSet, target: PointSet, xScale: Double = 1) -> [RegressionTask] {
    (0..<target.batchSize).map { i in
      let c = context.task(i)
      let t = target.task(i)
      let d = t.x.size(-1)
      func rows(_ x: Tensor) -> [[Double]] {
        let flat = (x / xScale).toArray(Double.self)
        return stride(from: 0, to: flat.count, by: d).map { Array(flat[$0..<$0 + d]) }
      }
      return RegressionTask(
        xContext: rows(c.x), yContext: c.y.toArray(Double.self), xTarget: rows(t.x), yTarget: t.y.toArray(Double.self))
    }
  }
}

/// Reads a user's (x, y) CSV: two numeric columns, an optional header line, `#` comments.
public enum PointsCSV {
  public static func read(_ url: URL) throws -> (x: [Double], y: [Double]) {
    let text: String
    do { text = try String(contentsOf: url, encoding: .utf8) } catch {
      throw DataFileError(file: url.path, line: nil, problem: "cannot read the file (\(error.localizedDescription))")
    }
    var xs: [Double] = []
    var ys: [Double] = []
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      let numbers = fields.map { Double($0) }
      if index == 0, numbers.contains(where: { $0 == nil }) { continue }  // a header
      guard fields.count == 2 else {
        throw DataFileError(file: url.path, line: index + 1, problem: "expected 2 columns (x,y), found \(fields.count)")
      }
      guard let x = numbers[0], let y = numbers[1], x.isFinite, y.isFinite else {
        throw DataFileError(file: url.path, line: index + 1, problem: "'\(line)' is not two finite numbers")
      }
      xs.append(x)
      ys.append(y)
    }
    guard !xs.isEmpty else { throw DataFileError(file: url.path, line: nil, problem: "no (x, y) rows") }
    return (xs, ys)
  }
}
