import BayesOpt
import Foundation
import GaussianProcesses
import NeuralProcesses
import Testing
import Torch

/// (x − 0.7)² / 4 on 201 points of [−2, 2]: one smooth bowl whose minimum, 0, is on the grid.
let quadratic = GridObjective(
  name: "quadratic", x: GridObjective.grid(count: 201), values: GridObjective.grid(count: 201).map { ($0 - 0.7) * ($0 - 0.7) / 4 })

/// An exact GP whose prior suits the bowl: EQ with a long lengthscale.
var bowlGP: GaussianProcessSurrogate {
  GaussianProcessSurrogate(
    process: GaussianProcess(kernel: Kernel(.eq, lengthscale: 1, scale: 1), noiseVariance: 1e-6), fitsHyperparameters: false)
}

// Serialized: the tests seed libtorch's one global generator.
@Suite(.serialized)
struct BayesOptTests {
  /// Thompson sampling with an exact GP lands next to the minimiser (regret < 0.002, i.e. within
  /// 0.09 of it) in 8 evaluations from the far end of the grid, for every seed; random search with
  /// the same budget (P ≈ 0.3 per run of coming that close) ends with more regret on average. A
  /// loop that ignores the surrogate's draw, or maximises it, fails the first check.
  @Test func thompsonSamplingWithAnExactGPFindsTheMinimumOfAQuadratic() {
    let seeds: [UInt64] = [1, 2, 3, 4, 5]
    func finalRegrets(_ policy: some AcquisitionPolicy) -> [Double] {
      seeds.map { seed in
        Torch.manualSeed(seed)
        return BayesianOptimisation.minimise(quadratic, policy: policy, evaluations: 8, initialIndex: 0).simpleRegret.last!
      }
    }
    let thompson = finalRegrets(ThompsonSampling(bowlGP))
    let random = finalRegrets(RandomSearch())
    #expect(thompson.allSatisfy { $0 < 2e-3 }, "Thompson regrets \(thompson)")
    #expect(random.reduce(0, +) >= thompson.reduce(0, +), "random \(random) vs Thompson \(thompson)")
    let ei = finalRegrets(ExpectedImprovement(bowlGP))
    #expect(ei.allSatisfy { $0 < 2e-3 }, "EI regrets \(ei)")
  }

  /// With hyperparameters refitted at every step by maximum marginal likelihood, Thompson sampling
  /// gets within 0.01 of the standardised Forrester function's minimum (range ≈ 5) in 15
  /// evaluations from the left end of the grid, next to its local minimum (x ≈ −1.43, 1.12 worse).
  @Test func fittedGPFindsForrestersMinimum() {
    let forrester = ObjectiveFamily.forrester.objectives(count: 1, gridSize: 500, seed: 0)[0]
    var gp = GaussianProcessSurrogate(
      process: GaussianProcess(kernel: Kernel(.eq, lengthscale: 0.6, scale: 1), noiseVariance: 1e-6), fitsHyperparameters: true)
    gp.fitSteps = 60  // keeps the test fast; the fit need not be converged to steer the search
    Torch.manualSeed(0)
    let trace = BayesianOptimisation.minimise(forrester, policy: ThompsonSampling(gp), evaluations: 15, initialIndex: 0)
    #expect(trace.simpleRegret.last! < 0.01, "regrets \(trace.simpleRegret)")
  }

  /// Hand-computed regrets of the values 3, 1, 2, 0.5, 4 against the minimum 0.5.
  @Test func regretBookkeeping() {
    let values = [3, 1, 2, 0.5, 4]
    #expect(Regret.simple(values, minimum: 0.5) == [2.5, 0.5, 0.5, 0, 0])
    #expect(Regret.cumulative(values, minimum: 0.5) == [2.5, 3, 4.5, 4.5, 8])
    #expect(Regret.evaluationsToMinimum(values, minimum: 0.5) == 4)
    #expect(Regret.evaluationsToMinimum(values, minimum: 0) == nil)

    let spread = MeanAndError([1, 2, 3, 4])  // sample variance 5/3
    #expect(spread.mean == 2.5 && abs(spread.standardError - (5.0 / 3 / 4).squareRoot()) < 1e-12)
    #expect(MeanAndError([7]).standardError == 0)

    // A second run 0, 0, ... that starts at the minimum: step means halve the first run's regrets.
    let summary = RegretSummary([
      OptimisationTrace(indices: [0, 1, 2, 3, 4], values: values, minimum: 0.5),
      OptimisationTrace(indices: [0, 0, 0, 0, 0], values: [0.5, 0.5, 0.5, 0.5, 0.5], minimum: 0.5),
    ])
    #expect(summary.simpleRegretMean == [1.25, 0.25, 0.25, 0, 0])
    #expect(summary.simpleRegretStandardError == [1.25, 0.25, 0.25, 0, 0])  // s.e. of two values = |a − b| / 2
    #expect(summary.cumulativeRegret == MeanAndError([8, 0]))
    #expect(summary.evaluationsToMinimum.mean == 2.5 && summary.runsReachingMinimum == 2)
  }

  /// Forrester's minimum −6.0207 at u ≈ 0.7572, i.e. x = 4u − 2 ≈ 1.029 on the [−2, 2] grid.
  @Test func forresterGridAndMinimum() {
    let x = GridObjective.grid(count: 1000)
    #expect(x.count == 1000 && x.first == -2 && x.last == 2)
    let forrester = ObjectiveFamily.forrester(x: x)
    #expect(abs(forrester.minimum - -6.0207) < 1e-3)
    #expect(abs((x[forrester.minimiser] + 2) / 4 - 0.7572) < 0.002)
    let standard = ObjectiveFamily.forrester.objectives(count: 3, seed: 0)
    #expect(standard.count == 3 && standard[0].minimiser == forrester.minimiser)
    let mean = standard[0].values.reduce(0, +) / 1000
    let variance = standard[0].values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1000
    #expect(abs(mean) < 1e-9 && abs(variance - 1) < 1e-9)
  }

  /// Branin's global minimum 0.397887 at (π, 2.275) on the slice x₂ = 2.275, at x₁ = π ↦ x = 4(π + 5)/15 − 2.
  @Test func braninSliceMinimum() {
    let slice = ObjectiveFamily.braninSlice(x: GridObjective.grid(count: 1000), x2: 2.275)
    #expect(abs(slice.minimum - 0.397887) < 1e-3)
    #expect(abs(slice.x[slice.minimiser] - (4 * (Double.pi + 5) / 15 - 2)) < 0.005)
    let family = ObjectiveFamily.braninSlice.objectives(count: 8, seed: 0)
    #expect(family[0].values == family[7].values && family[0].values != family[1].values)  // 7 slices, cycled
  }

  /// GP-prior objectives: reproducible from the seed, distinct across functions, unit-scale.
  @Test func gpPriorObjectivesAreSeededDraws() {
    let a = ObjectiveFamily.gpPrior.objectives(count: 20, gridSize: 200, seed: 7)
    let b = ObjectiveFamily.gpPrior.objectives(count: 20, gridSize: 200, seed: 7)
    let c = ObjectiveFamily.gpPrior.objectives(count: 20, gridSize: 200, seed: 8)
    #expect(a.map(\.values) == b.map(\.values) && a[0].values != c[0].values && a[0].values != a[1].values)
    let all = a.flatMap(\.values)
    let rms = (all.map { $0 * $0 }.reduce(0, +) / Double(all.count)).squareRoot()
    #expect(rms > 0.6 && rms < 1.5, "σ_f = 1 draws, rms \(rms)")
    // Same seed, same run: every surrogate starts from the same point.
    #expect(BayesianOptimisation.initialIndex(run: 3, gridSize: 1000, seed: 7) == BayesianOptimisation.initialIndex(run: 3, gridSize: 1000, seed: 7))
  }

  /// Random search: 4,000 picks on 10 points land within 4σ (±80) of 400 per point, and a seed repeats them.
  @Test func randomSearchIsUniformAndSeeded() {
    let grid = Tensor(GridObjective.grid(count: 10), shape: [1, 10, 1], dtype: .float64)
    let seen = Evaluations(x: [0], y: [0])
    func picks(_ seed: UInt64) -> [Int] {
      Torch.manualSeed(seed)
      return (0..<4000).map { _ in RandomSearch().propose(on: grid, given: seen) }
    }
    let first = picks(3)
    #expect(first == picks(3) && first != picks(4))
    let counts = (0..<10).map { i in first.filter { $0 == i }.count }
    #expect(counts.allSatisfy { abs($0 - 400) < 80 }, "counts \(counts)")
  }

  /// An NP draw covers the grid; a latent model's draws differ with z, and a seed repeats them.
  @Test(arguments: [NeuralProcessKind.np, .anp, .cnp])
  func neuralProcessDrawsHaveTheGridsShape(_ kind: NeuralProcessKind) {
    Torch.manualSeed(0)
    let model = NeuralProcess(.init(kind: kind, hiddenSize: 16, latentSize: 16, heads: 4))
    model.eval()
    let surrogate = NeuralProcessSurrogate(model: model)
    let grid = Tensor(GridObjective.grid(count: 300), shape: [1, 300, 1], dtype: .float64)
    let seen = Evaluations(x: [-1, 0.5], y: [0.3, -0.8])
    Torch.manualSeed(1)
    let first = surrogate.draw(on: grid, given: seen)
    let second = surrogate.draw(on: grid, given: seen)
    Torch.manualSeed(1)
    let repeated = surrogate.draw(on: grid, given: seen)
    #expect(first.shape == [300] && first.dtype == .float64)
    #expect((first - second).abs().max().item() > 1e-4)
    #expect((first - repeated).abs().max().item() == 0)
    if kind.hasLatentPath {
      // The draw is the decoder mean under one z: smooth, unlike the independent per-point noise of a CNP draw.
      let roughness = (first[1...] - first[..<299]).abs().max().item()
      #expect(roughness < 0.05, "largest step between neighbours \(roughness)")
    }
  }

  /// A latent model told to draw `marginal`ly adds per-point noise to its mean (rough, like a
  /// CNP's draw); a deterministic model draws marginally whatever it is told.
  @Test func marginalDrawsAddPerPointNoise() {
    Torch.manualSeed(0)
    let latent = NeuralProcess(.init(kind: .np, hiddenSize: 16, latentSize: 16, heads: 4))
    latent.eval()
    let grid = Tensor(GridObjective.grid(count: 300), shape: [1, 300, 1], dtype: .float64)
    let seen = Evaluations(x: [-1, 0.5], y: [0.3, -0.8])
    let draw = NeuralProcessSurrogate(model: latent, draw: .marginal).draw(on: grid, given: seen)
    let roughness = (draw[1...] - draw[..<299]).abs().max().item()
    #expect(roughness > 0.1, "largest step between neighbours \(roughness)")
    let cnp = NeuralProcess(.init(kind: .cnp, hiddenSize: 16, latentSize: 16, heads: 4))
    #expect(NeuralProcessSurrogate(model: cnp, draw: .latent).draw == .marginal)
  }

  /// EI's closed form at the two ends: σφ(0) when μ = best, and max(best − μ, 0) when σ = 0.
  @Test func expectedImprovementClosedForm() {
    let at = ExpectedImprovement.values(
      mean: Tensor([1, 0.4, 1.5], dtype: .float64), std: Tensor([2, 0, 0], dtype: .float64), best: 1)
    let v = at.toArray(Double.self)
    #expect(abs(v[0] - 2 / (2 * Double.pi).squareRoot()) < 1e-12 && abs(v[1] - 0.6) < 1e-12 && v[2] == 0)
  }
}
