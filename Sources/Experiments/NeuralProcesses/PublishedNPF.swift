import Datasets

/// Published per-point target log-likelihoods of the Neural Process Family benchmark
/// (YannDubs/Neural-Process-Family, 1-D GP results), by kernel and model.
public enum PublishedNPF {
  public static let targetLL: [String: [String: Double]] = [
    "eq": ["cnp": -0.13, "attncnp": 1.17, "np": -0.29, "anp": 1.20],
    "periodic": ["cnp": -0.99, "attncnp": -0.20, "np": -0.96, "anp": -0.35],
    "noisy-matern": ["cnp": -0.90, "attncnp": -0.71, "np": -0.83, "anp": -0.70],
  ]

  /// NPF's published score for a run of `kind` (cnp, np, attncnp, anp) under `curveProtocol`
  /// on `kernel`; nil outside NPF's protocol.
  public static func targetLL(curveProtocol: String, kernel: String, kind: String) -> Double? {
    curveProtocol == CurveProtocol.npf.rawValue ? targetLL[kernel]?[kind] : nil
  }
}
