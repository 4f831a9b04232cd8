import Foundation
import NN
import Testing
import Torch

/// Largest absolute difference of two tensors.
func maxDifference(_ a: Tensor, _ b: Tensor) -> Double { (a - b).abs().max().item() }

/// log|det ∂f/∂x| of each example by brute force: the Jacobian of one example built row by
/// row with autograd (row i = ∂f(x)ᵢ/∂x) and its `slogdet`.
func bruteForceLogDet(_ layer: some InvertibleLayer, _ x: Tensor) -> [Double] {
  (0..<x.size(0)).map { n in
    let xn = x[n..<(n + 1)].detach().clone().requiringGrad()
    let y = layer.forward(xn).output.flatten()
    let rows = (0..<y.count).map { i in grad(of: y[i], wrt: xn, retainGraph: true).flatten() }
    let jacobian = Tensor.stack(rows)
    #expect(jacobian.shape == [y.count, xn.count], "the Jacobian must be square")
    return jacobian.slogdet().logAbsDet.item()
  }
}

/// The layers under test, in float64, each with an input it takes. Learnt scales are set away
/// from 1 and no network starts at zero, so every log-determinant is far from trivial.
func layersUnderTest() -> [(name: String, layer: any InvertibleLayer, input: Tensor)] {
  Torch.manualSeed(7)
  func image(_ shape: [Int]) -> Tensor { Tensor.randn(shape, dtype: .float64) }
  func coupling(_ mask: CouplingMask, width: Int, scale: CouplingScale) -> AffineCoupling {
    let network: any UnaryLayer
    switch mask {
    case .channelWise:
      network = CouplingConvNet(inputChannels: width / 2, hidden: 4, outputChannels: width, zeroInitialisedOutput: false)
    case .checkerboard:
      network = CouplingConvNet(inputChannels: width, hidden: 4, outputChannels: 2 * width, zeroInitialisedOutput: false)
    case .binary:
      network = MLP([width, 8, 2 * width], activation: .tanh)
    }
    let layer = AffineCoupling(mask: mask, width: width, network: network, scale: scale)
    withNoGrad { layer.scale?.copy_(Tensor.uniform(layer.scale!.shape, low: 0.5, high: 2.5)) }
    return layer
  }
  var cases: [(String, any InvertibleLayer, Tensor)] = []
  for scale in [CouplingScale.tanh, .learntTanh] {
    for reversed in [false, true] {
      cases.append(("checkerboard \(reversed) \(scale)", coupling(.checkerboard(reversed: reversed), width: 2, scale: scale), image([2, 2, 3, 3])))
      cases.append(("channel-wise \(reversed) \(scale)", coupling(.channelWise(reversed: reversed), width: 4, scale: scale), image([2, 4, 2, 2])))
      cases.append(("binary halves \(reversed) \(scale)", coupling(.halves(features: 3, reversed: reversed), width: 3, scale: scale), image([2, 3])))
    }
    cases.append(
      ("binary custom \(scale)", coupling(.binary(kept: [true, false, false, true, false]), width: 5, scale: scale), image([2, 5])))
  }
  cases.append(("squeeze", Squeeze(), image([2, 1, 4, 4])))
  cases.append(("unsqueeze", Unsqueeze(), image([2, 4, 2, 2])))
  cases.append(
    ("factor-out", FactorOut(keeping: 2, then: coupling(.checkerboard(reversed: false), width: 2, scale: .learntTanh)), image([2, 3, 2, 2])))
  cases.append(("logit", LogitTransform(alpha: 0.05), Tensor.uniform([2, 1, 2, 3], low: 0.01, high: 0.99, dtype: .float64)))
  cases.append(
    ("sequential",
      SequentialFlow(
        coupling(.checkerboard(reversed: false), width: 2, scale: .learntTanh), Squeeze(),
        coupling(.channelWise(reversed: true), width: 8, scale: .learntTanh), Unsqueeze()),
      image([2, 2, 2, 4])))
  cases.append(("tabular RealNVP", RealNVPTabular(features: 2, couplings: 4, hidden: 16), image([3, 2])))
  cases.append(
    ("image RealNVP", RealNVP(channels: 1, scales: 2, hidden: 4, levels: nil, zeroInitialisedOutput: false),
      Tensor.uniform([2, 1, 4, 4], low: 0.02, high: 0.98, dtype: .float64)))
  return cases.map { name, layer, input in
    layer.to(.float64)
    // Learnt scales too; `to` has converted them.
    return (name, layer, input)
  }
}

@Suite(.serialized) struct FlowTests {
  @Test func inverseUndoesForward() {
    for (name, layer, x) in layersUnderTest() {
      let (y, logDet) = layer.forward(x)
      #expect(logDet.shape == [x.size(0)], "\(name): log-determinant shape \(logDet.shape)")
      let back = layer.inverse(y)
      #expect(back.shape == x.shape, "\(name): inverse shape \(back.shape) != \(x.shape)")
      let error = maxDifference(back, x)
      #expect(error < 1e-9, "\(name): ‖f⁻¹(f(x)) − x‖∞ = \(error)")
      // And the other way round.
      let again = layer.forward(layer.inverse(y)).output
      #expect(maxDifference(again, y) < 1e-9, "\(name): f(f⁻¹(y)) differs from y")
    }
  }

  @Test func logDetMatchesAutogradJacobian() {
    for (name, layer, x) in layersUnderTest() {
      let reported = layer.forward(x).logDet.toArray(Double.self)
      let brute = bruteForceLogDet(layer, x)
      for (r, b) in zip(reported, brute) {
        #expect(Swift.abs(r - b) < 1e-8 * (1 + Swift.abs(b)), "\(name): log|det| \(r), Jacobian's \(b)")
      }
    }
  }

  @Test func couplingsAreNotTrivial() {
    // A coupling whose scales were all zero would pass the tests above with log|det| = 0.
    for (name, layer, x) in layersUnderTest() where layer is AffineCoupling {
      let logDet = layer.forward(x).logDet
      #expect(logDet.abs().min().item() > 1e-3, "\(name): log-determinant \(logDet.toArray(Double.self)) is near zero")
    }
  }

  @Test func logitLogDetByHand() {
    let values = [0.1, 0.5, 0.9, 0.3]
    let alpha = 0.05
    let layer = LogitTransform(alpha: alpha)
    let x = Tensor(values, shape: [1, 4], dtype: .float64)
    let (y, logDet) = layer.forward(x)
    var expected = 0.0
    for (i, v) in values.enumerated() {
      let p = alpha + (1 - 2 * alpha) * v
      #expect(Swift.abs(y[0, i].item() - Foundation.log(p / (1 - p))) < 1e-12)
      expected += Foundation.log((1 - 2 * alpha) / (p * (1 - p)))
    }
    #expect(Swift.abs(logDet.item() - expected) < 1e-12, "logit log|det| \(logDet.item()), by hand \(expected)")
  }

  @Test func dequantisationStaysInsideEachValuesBin() {
    Torch.manualSeed(3)
    let levels = 256
    let layer = LogitTransform(alpha: 0.05, levels: levels)
    let pixels = Tensor.randint(0, levels, [4, 1, 3, 3]).to(.float64) / Double(levels - 1)
    let (y, logDet) = layer.forward(pixels)
    let dequantised = layer.inverse(y)
    let low = pixels * Double(levels - 1) / Double(levels)
    #expect((dequantised - low).min().item() >= -1e-12)
    #expect((dequantised - low).max().item() <= 1 / Double(levels) + 1e-12)
    // The log-determinant is the exact one at the dequantised value.
    let exact = LogitTransform(alpha: 0.05).forward(dequantised).logDet
    #expect(maxDifference(logDet, exact) < 1e-9)
  }

  @Test func logProbAndSampleUnderStandardNormal() {
    Torch.manualSeed(5)
    let flow = RealNVPTabular(features: 2, couplings: 3, hidden: 8)
    flow.to(.float64)
    let base = StandardNormalBase(shape: [2])
    let x = Tensor.randn([4, 2], dtype: .float64)
    let (z, logDet) = flow.forward(x)
    let zs = z.toArray(Double.self)
    let ld = logDet.toArray(Double.self)
    let logProb = flow.logProb(x, base: base).toArray(Double.self)
    for n in 0..<4 {
      let squared = zs[2 * n] * zs[2 * n] + zs[2 * n + 1] * zs[2 * n + 1]
      let expected = -0.5 * squared - Foundation.log(2 * Double.pi) + ld[n]
      #expect(Swift.abs(logProb[n] - expected) < 1e-10)
    }
    let samples = RealNVPTabular(features: 2, couplings: 2, hidden: 8).sample(6, base: base)
    #expect(samples.shape == [6, 2])
    #expect(!samples.requiresGrad)
  }

  @Test func squeezeMatchesPixelUnshuffleOrder() {
    // Channel c·4 + i·2 + j of the squeezed image holds pixel (i, j) of each 2 × 2 block.
    let x = Tensor.arange(16, dtype: .float64).reshape(1, 1, 4, 4)
    let y = Squeeze().forward(x).output
    #expect(y.shape == [1, 4, 2, 2])
    #expect(y[0, 0].flatten().toArray(Double.self) == [0, 2, 8, 10])
    #expect(y[0, 1].flatten().toArray(Double.self) == [1, 3, 9, 11])
    #expect(y[0, 2].flatten().toArray(Double.self) == [4, 6, 12, 14])
  }

  /// Dotted state-dict names: the official `body.<i>` positions, this repository's `network` and
  /// `scale` for flow_ssl's `st_net` and weight-normalised `rescale`.
  @Test func parametersHaveDottedPositionalNames() {
    let flow = RealNVPTabular(features: 2, couplings: 2, hidden: 4)
    let names = flow.namedParameters().map(\.name)
    #expect(names.contains("body.0.network.0.weight"))
    #expect(names.contains("body.1.scale"))
  }
}
