import Torch

/// RealNVP for tabular data [N, D] (the official FlowGMM code's `RealNVPTabular`,
/// flow_ssl/realnvp/realnvp.py): `couplings` affine couplings whose binary masks alternate
/// between the first ⌊D/2⌋ features and the rest, each with the network
///
///   Linear(D, k) → ReLU → [Dropout(0.5)] → (Linear(k, k) → ReLU) × hiddenLayers → Linear(k, 2D)
///
/// reading the masked input (`CouplingLayerTabular`), and the learnt scale w ⊙ tanh(a). The
/// official two-moons notebook (experiments/synthetic_data/synthetic.ipynb) builds it with
/// `num_coupling_layers=5, hidden_dim=512, num_layers=1`: two 512-unit hidden layers, since
/// `num_layers` counts the k → k layers after the first.
public final class RealNVPTabular: Module, InvertibleLayer {
  public let body: SequentialFlow

  /// `zeroInitialisedOutput` zeroes each network's last layer, so every coupling starts as the
  /// identity (the official `init_zeros`, off by default there and here).
  public init(
    features: Int, couplings: Int = 5, hidden: Int = 512, hiddenLayers: Int = 1, dropout: Double? = nil,
    scale: CouplingScale = .learntTanh, zeroInitialisedOutput: Bool = false
  ) {
    precondition(features >= 2, "a tabular RealNVP needs at least 2 features, got \(features)")
    precondition(couplings >= 1 && hidden >= 1 && hiddenLayers >= 0, "couplings ≥ 1, hidden ≥ 1, hiddenLayers ≥ 0; got \(couplings), \(hidden), \(hiddenLayers)")
    body = SequentialFlow(
      (0..<couplings).map { i -> any InvertibleLayer in
        var layers: [any UnaryLayer] = [Linear(features, hidden), ActivationLayer(.relu)]
        if let dropout { layers.append(Dropout(dropout)) }
        for _ in 0..<hiddenLayers { layers += [Linear(hidden, hidden), ActivationLayer(.relu)] }
        let last = Linear(hidden, 2 * features)
        if zeroInitialisedOutput {
          withNoGrad {
            last.weight.fill_(0)
            last.bias?.fill_(0)
          }
        }
        layers.append(last)
        return AffineCoupling(
          mask: .halves(features: features, reversed: i % 2 == 1), width: features, network: Sequential(layers),
          scale: scale)
      })
  }

  public func forward(_ x: Tensor) -> (output: Tensor, logDet: Tensor) { body.forward(x) }
  public func inverse(_ y: Tensor) -> Tensor { body.inverse(y) }
}
