/// Which evaluation of an `ood train` run: the whole model or one deep-ensemble member, ranked
/// by its own certainty or by a post-hoc detector. Each kind writes its own files next to the
/// checkpoint, so none overwrites another; `ood eval` writes them and `ood report` reads them.
public struct ImageOODEvaluationKind: Equatable, Sendable {
  /// What ranks inputs for OoD detection.
  public enum Detector: String, CaseIterable, Sendable {
    /// The model's own certainty.
    case none
    /// The Gram-matrix detector on the model's activations.
    case gram
  }

  public var detector: Detector
  /// Index of the ensemble member scored alone (nil: the whole model).
  public var member: Int?

  public init(detector: Detector = .none, member: Int? = nil) {
    self.detector = detector
    self.member = member
  }

  /// "-member2" for member 2, "" for the whole model.
  public var memberSuffix: String { member.map { "-member\($0)" } ?? "" }

  /// Suffix of the files this evaluation writes: "" for the plain one, else "-member2", "-gram"
  /// or "-member2-gram".
  public var fileSuffix: String { memberSuffix + (detector == .none ? "" : "-\(detector.rawValue)") }

  /// The scores as JSON.
  public var metricsFile: String { "eval\(fileSuffix).json" }
  public var reliabilityFigure: String { "reliability\(fileSuffix).png" }
  public var histogramFigure: String { "certainty_histogram\(fileSuffix).png" }
  /// The per-image scores (`ImageOODScoreFile`) that `ood report --figure` draws.
  public var scoreFile: String { "eval\(fileSuffix)-scores.safetensors" }
  /// The Gram detector's fitted bounds and normalisers, one file per network scored.
  public var gramStatisticsFile: String { "gram-statistics\(memberSuffix).safetensors" }

  /// The `ood eval` command that writes this evaluation for the run folder `run`.
  public func command(run: String) -> String {
    "penumbra ood eval --checkpoint \(run)" + (member.map { " --member \($0)" } ?? "") + " --detector \(detector.rawValue)"
  }

  /// A table row's or legend's name for a run of `method`.
  public func title(_ method: ImageOODMethod) -> String {
    method.title + (member.map { " member \($0)" } ?? "") + (detector == .gram ? " + Gram" : "")
  }

  /// A report argument as its folder and kind: DIR, DIR:gram, DIR:member2 or DIR:member2:gram.
  /// A colon inside a folder's own name is kept when the part after it contains a "/".
  public static func parse(_ argument: String) throws -> (folder: String, kind: ImageOODEvaluationKind) {
    var folder = Substring(argument)
    var kind = ImageOODEvaluationKind()
    func qualifier() -> Substring? { folder.lastIndex(of: ":").map { folder[folder.index(after: $0)...] } }
    func dropQualifier() { folder = folder[..<folder.lastIndex(of: ":")!] }
    if qualifier() == "gram" {
      kind.detector = .gram
      dropQualifier()
    }
    if let name = qualifier(), name.hasPrefix("member"), let index = Int(name.dropFirst("member".count)), index >= 0 {
      kind.member = index
      dropQualifier()
    }
    if let name = qualifier(), !name.contains("/") {
      throw ImageOODEvaluationKindError(argument: argument, qualifier: String(name))
    }
    return (String(folder), kind)
  }
}

/// A run argument of `ood report` with a qualifier that names no evaluation.
public struct ImageOODEvaluationKindError: Error, CustomStringConvertible {
  public let argument: String
  public let qualifier: String
  public var description: String {
    "unknown qualifier '\(qualifier)' in run '\(argument)': write DIR, DIR:gram, DIR:member<I> or DIR:member<I>:gram"
  }
}
