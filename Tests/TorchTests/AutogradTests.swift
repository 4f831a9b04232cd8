import Foundation
import Testing
import Torch

// MARK: Helpers

/// A tiny deterministic generator (SplitMix64), so fixed "random" inputs do not depend on
/// libtorch's global generator, which tests running in parallel share.
private struct SplitMix {
  var state: UInt64
  mutating func next() -> Double {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    // Uniform on [-1, 1).
    return Double(z >> 11) / Double(1 << 53) * 2 - 1
  }
  mutating func values(_ count: Int, scale: Double = 1) -> [Double] { (0..<count).map { _ in next() * scale } }
}

/// Named float64 arrays with shapes: the parameters finite differences perturb.
private struct Parameters {
  var values: [[Double]]
  let shapes: [[Int]]

  /// Fresh float64 leaves that require grad.
  func leaves() -> [Tensor] {
    zip(values, shapes).map { Tensor($0, shape: $1, dtype: .float64).requiringGrad() }
  }

  /// Central differences of `f` with respect to every element.
  func finiteDifferences(step h: Double = 1e-5, _ f: (Parameters) -> Double) -> [[Double]] {
    values.indices.map { p in
      values[p].indices.map { i in
        var plus = self
        var minus = self
        plus.values[p][i] += h
        minus.values[p][i] -= h
        return (f(plus) - f(minus)) / (2 * h)
      }
    }
  }
}

/// ‖a − b‖ / ‖b‖ over all entries.
private func relativeError(_ a: [[Double]], _ b: [[Double]]) -> Double {
  let x = a.flatMap { $0 }
  let y = b.flatMap { $0 }
  precondition(x.count == y.count)
  let diff = zip(x, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
  let norm = y.map { $0 * $0 }.reduce(0, +).squareRoot()
  return diff / norm
}

/// f(x; W1, b1, W2) = tanh(x W1 + b1) W2.
private func network(_ x: Tensor, _ p: [Tensor]) -> Tensor {
  (x.matmul(p[0]) + p[1]).tanh().matmul(p[2])
}

// MARK: Tests

@Suite struct AutogradTests {
  @Test func firstDerivativeOfPolynomial() throws {
    let xs: [Double] = [-3, -1, 0, 0.5, 2.5]
    let x = Tensor(xs, dtype: .float64).requiringGrad()
    let y = x * x + 5 * x + 4
    y.sum().backward()
    let expected = xs.map { 2 * $0 + 5 }
    #expect(isClose(values(try #require(x.grad)), expected, tolerance: 1e-12))
    // The functional form agrees and leaves `.grad` alone.
    let z = Tensor(xs, dtype: .float64).requiringGrad()
    let g = grad(of: (z.square() + 5 * z + 4).sum(), wrt: z)
    #expect(isClose(values(g), expected, tolerance: 1e-12))
    #expect(z.grad == nil)
  }

  @Test func gradientsAccumulateUntilCleared() throws {
    let x = Tensor([1, 2] as [Double], dtype: .float64).requiringGrad()
    (x * 3).sum().backward()
    (x * x).sum().backward()
    #expect(isClose(values(try #require(x.grad)), [3 + 2, 3 + 4]))
    x.grad = nil
    #expect(x.grad == nil)
    (x * 2).sum().backward()
    #expect(isClose(values(try #require(x.grad)), [2, 2]))
  }

  @Test func secondDerivativeThroughCreateGraph() throws {
    let xs: [Double] = [-2, -0.5, 0, 1, 3]
    let x = Tensor(xs, dtype: .float64).requiringGrad()
    let y = x.pow(3).sum()
    let first = grad(of: y, wrt: x, createGraph: true)
    #expect(first.requiresGrad)
    #expect(isClose(values(first), xs.map { 3 * $0 * $0 }, tolerance: 1e-12))
    let second = grad(of: first.sum(), wrt: x)
    #expect(isClose(values(second), xs.map { 6 * $0 }, tolerance: 1e-12))
    // Third derivative is 6 everywhere; second-order backward() into .grad works too.
    let x2 = Tensor(xs, dtype: .float64).requiringGrad()
    let d1 = grad(of: (x2 * x2 * x2).sum(), wrt: x2, createGraph: true)
    let d2 = grad(of: d1.sum(), wrt: x2, createGraph: true)
    d2.sum().backward()
    #expect(isClose(values(try #require(x2.grad)), [6, 6, 6, 6, 6], tolerance: 1e-12))
  }

  @Test func noGradDetachAndUnusedInputs() {
    let x = Tensor([1, 2] as [Double], dtype: .float64).requiringGrad()
    let y = withNoGrad { x * 2 }
    #expect(!y.requiresGrad)
    #expect(Torch.isGradEnabled)
    #expect(withNoGrad { !Torch.isGradEnabled })
    #expect(!x.detach().requiresGrad)
    // withGrad re-enables recording inside withNoGrad.
    let z = withNoGrad { withGrad { x * 2 } }
    #expect(z.requiresGrad)
    // An input the output does not depend on gets zeros.
    let unused = Tensor([5, 6, 7] as [Double], dtype: .float64).requiringGrad()
    let grads = grad(of: [(x * x).sum()], wrt: [x, unused])
    #expect(isClose(values(grads[0]), [2, 4]))
    #expect(values(grads[1]) == [0, 0, 0])
    // A detached branch contributes nothing.
    let w = (x * x.detach()).sum()
    #expect(isClose(values(grad(of: w, wrt: x)), [1, 2]))
  }

  @Test func retainGraphAllowsTwoBackwardPasses() throws {
    let x = Tensor([0.5, -1] as [Double], dtype: .float64).requiringGrad()
    let y = x.exp().sum()
    y.backward(retainGraph: true)
    y.backward()
    #expect(isClose(values(try #require(x.grad)), [0.5, -1].map { 2 * Foundation.exp($0) }, tolerance: 1e-12))
  }

  @Test func vectorJacobianProductWithSeed() throws {
    let x = Tensor([1, 2, 3] as [Double], dtype: .float64).requiringGrad()
    let y = x * x
    let seed = Tensor([1, 0.5, -1] as [Double], dtype: .float64)
    #expect(isClose(values(grad(of: y, wrt: x, gradOutput: seed, retainGraph: true)), [2, 2, -6]))
    y.backward(seed)
    #expect(isClose(values(try #require(x.grad)), [2, 2, -6]))
  }

  /// DUQ's two-sided gradient penalty P(θ) = mean((‖∂f/∂x‖₂ − 1)²), differentiated with
  /// respect to θ through the input gradient (a double-backward), against finite differences.
  @Test func inputGradientPenaltyMatchesFiniteDifferences() throws {
    var rng = SplitMix(state: 7)
    let (n, d, h, k) = (5, 3, 4, 2)
    let inputs = rng.values(n * d, scale: 1.5)
    let theta = Parameters(
      values: [rng.values(d * h), rng.values(h, scale: 0.5), rng.values(h * k)],
      shapes: [[d, h], [h], [h, k]])

    func penalty(_ p: [Tensor]) -> Tensor {
      let x = Tensor(inputs, shape: [n, d], dtype: .float64).requiringGrad()
      let f = network(x, p)
      let dfdx = grad(of: f.sum(), wrt: x, createGraph: true)
      return (dfdx.norm(dims: [1]) - 1).square().mean()
    }

    let leaves = theta.leaves()
    let p = penalty(leaves)
    p.backward()
    let analytic = try leaves.map { try #require($0.grad).toArray(Double.self) }
    let numeric = theta.finiteDifferences { penalty($0.leaves()).item() }
    let error = relativeError(analytic, numeric)
    #expect(error < 1e-6, "relative error \(error)")
    // Sanity: the penalty depends on every parameter group.
    #expect(analytic.allSatisfy { g in g.contains { Swift.abs($0) > 1e-8 } })
  }

  /// DS3L's meta-gradient: one inner SGD step θ' = θ − α ∇θ L_train(θ; w) kept in the graph,
  /// then L_val(θ') differentiated back to θ and to the per-example weights w.
  @Test func metaGradientMatchesFiniteDifferences() throws {
    var rng = SplitMix(state: 42)
    let (nTrain, nVal, d, h) = (6, 4, 2, 3)
    let xTrain = rng.values(nTrain * d, scale: 2)
    let yTrain = rng.values(nTrain)
    let xVal = rng.values(nVal * d, scale: 2)
    let yVal = rng.values(nVal)
    let alpha = 0.3
    let point = Parameters(
      values: [rng.values(d * h), rng.values(h, scale: 0.5), rng.values(h), rng.values(nTrain).map { 0.5 + 0.4 * $0 }],
      shapes: [[d, h], [h], [h, 1], [nTrain]])

    func validationLoss(_ leaves: [Tensor]) -> Tensor {
      let theta = Array(leaves[0..<3])
      let weights = leaves[3]
      let xt = Tensor(xTrain, shape: [nTrain, d], dtype: .float64)
      let yt = Tensor(yTrain, shape: [nTrain, 1], dtype: .float64)
      let trainLoss = (weights.unsqueeze(1) * (network(xt, theta) - yt).square()).mean()
      let grads = grad(of: [trainLoss], wrt: theta, createGraph: true)
      let updated = zip(theta, grads).map { $0 - alpha * $1 }
      let xv = Tensor(xVal, shape: [nVal, d], dtype: .float64)
      let yv = Tensor(yVal, shape: [nVal, 1], dtype: .float64)
      return (network(xv, updated) - yv).square().mean()
    }

    let leaves = point.leaves()
    validationLoss(leaves).backward()
    let analytic = try leaves.map { try #require($0.grad).toArray(Double.self) }
    let numeric = point.finiteDifferences { validationLoss($0.leaves()).item() }
    let error = relativeError(analytic, numeric)
    #expect(error < 1e-6, "relative error \(error)")
    // The weights only act through the inner step, so their gradient is second-order: non-zero.
    #expect(analytic[3].contains { Swift.abs($0) > 1e-8 })
  }

  @Test func gradientsFlowThroughShapeAndIndexOps() {
    let x = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3], dtype: .float64).requiringGrad()
    let y = Tensor.cat([x[.all, 0..<2], x[.all, 2...] * 3], dim: 1).reshape(6)
      .gather(dim: 0, index: Tensor([0, 0, 5] as [Int])).sum()
    y.backward()
    // x[0,0] picked twice; x[1,2] picked once with factor 3.
    #expect(values(x.grad!) == [2, 0, 0, 0, 0, 3])
  }
}
