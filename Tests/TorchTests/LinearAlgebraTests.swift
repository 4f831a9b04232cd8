import Foundation
import Testing
import Torch

/// The SPD tridiagonal matrix tridiag(-1, 2, -1) of size 3, in float64.
///
/// Known in closed form: eigenvalues 2 - √2, 2, 2 + √2; determinant 4;
/// inverse [[3, 2, 1], [2, 4, 2], [1, 2, 3]] / 4.
private func spd() -> Tensor {
  Tensor([2, -1, 0, -1, 2, -1, 0, -1, 2] as [Double], shape: [3, 3], dtype: .float64)
}

private var rhs: Tensor { Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [3, 2], dtype: .float64) }
/// inverse(spd) · rhs, worked by hand.
private let solution: [Double] = [
  (3 * 1 + 2 * 3 + 1 * 5) / 4.0, (3 * 2 + 2 * 4 + 1 * 6) / 4.0,
  (2 * 1 + 4 * 3 + 2 * 5) / 4.0, (2 * 2 + 4 * 4 + 2 * 6) / 4.0,
  (1 * 1 + 2 * 3 + 3 * 5) / 4.0, (1 * 2 + 2 * 4 + 3 * 6) / 4.0,
]

@Suite struct LinearAlgebraTests {
  @Test func matmulAndBatched() {
    let a = Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3], dtype: .float64)
    let b = Tensor([7, 8, 9, 10, 11, 12] as [Double], shape: [3, 2], dtype: .float64)
    expectTensor(a.matmul(b), shape: [2, 2], [58, 64, 139, 154])
    // matmul broadcasts a batch against a matrix; bmm needs matching batches.
    let batch = Tensor.stack([a, a * 2])
    expectTensor(batch.matmul(b), shape: [2, 2, 2], [58, 64, 139, 154, 116, 128, 278, 308])
    expectTensor(batch.bmm(Tensor.stack([b, b])), shape: [2, 2, 2], [58, 64, 139, 154, 116, 128, 278, 308])
    // Matrix-vector.
    expectTensor(a.matmul(Tensor([1, 0, -1] as [Double], dtype: .float64)), shape: [2], [-2, -2])
    expectTensor(Tensor.einsum("ij,jk->ik", a, b), shape: [2, 2], [58, 64, 139, 154])
    expectTensor(Tensor.einsum("bij->bji", batch)[1], shape: [3, 2], [2, 8, 4, 10, 6, 12])
  }

  @Test func choleskyMatchesClosedForm() {
    let l = spd().cholesky()
    let r2 = (2.0).squareRoot()
    let r15 = (1.5).squareRoot()
    expectTensor(l, shape: [3, 3], [r2, 0, 0, -1 / r2, r15, 0, 0, -1 / r15, (4.0 / 3).squareRoot()], tolerance: 1e-12)
    expectTensor(l.matmul(l.mT), shape: [3, 3], values(spd()), tolerance: 1e-12)
    let u = spd().cholesky(upper: true)
    expectTensor(u, shape: [3, 3], values(l.mT), tolerance: 1e-12)
  }

  @Test func choleskySolveAndTriangularSolve() {
    let l = spd().cholesky()
    expectTensor(rhs.choleskySolve(factor: l), shape: [3, 2], solution, tolerance: 1e-12)
    expectTensor(rhs.choleskySolve(factor: spd().cholesky(upper: true), upper: true), shape: [3, 2], solution, tolerance: 1e-12)
    // L (Lᵀ x) = b, solved in two triangular steps.
    let y = l.solveTriangular(rhs, upper: false)
    expectTensor(l.matmul(y), shape: [3, 2], values(rhs), tolerance: 1e-12)
    let x = l.mT.solveTriangular(y, upper: true)
    expectTensor(x, shape: [3, 2], solution, tolerance: 1e-12)
    // Right-side solve: X · U = B.
    let bRight = rhs.mT
    let xRight = l.mT.solveTriangular(bRight, upper: true, left: false)
    expectTensor(xRight.matmul(l.mT), shape: [2, 3], values(bRight), tolerance: 1e-12)
    // Unit diagonal ignores the stored diagonal.
    let unit = Tensor([5, 0, 2, 7] as [Double], shape: [2, 2], dtype: .float64)
    let b = Tensor([1, 4] as [Double], shape: [2, 1], dtype: .float64)
    expectTensor(unit.solveTriangular(b, upper: false, unitDiagonal: true), shape: [2, 1], [1, 2], tolerance: 1e-12)
  }

  @Test func solveInverseAndSlogdet() {
    expectTensor(spd().solve(rhs), shape: [3, 2], solution, tolerance: 1e-12)
    expectTensor(spd().inverse(), shape: [3, 3], [3, 2, 1, 2, 4, 2, 1, 2, 3].map { $0 / 4 }, tolerance: 1e-12)
    let (sign, logAbsDet) = spd().slogdet()
    expectTensor(sign, shape: [], [1])
    expectTensor(logAbsDet, shape: [], [Foundation.log(4.0)], tolerance: 1e-12)
    // A negative determinant: det [[0, 1], [1, 0]] = -1.
    let swap = Tensor([0, 1, 1, 0] as [Double], shape: [2, 2], dtype: .float64)
    expectTensor(swap.slogdet().sign, shape: [], [-1])
    expectTensor(swap.slogdet().logAbsDet, shape: [], [0], tolerance: 1e-12)
    // Batched: one determinant per matrix.
    #expect(Tensor.stack([spd(), spd() * 2]).slogdet().logAbsDet.shape == [2])
    expectTensor(Tensor.stack([spd(), spd() * 2]).slogdet().logAbsDet, shape: [2], [Foundation.log(4.0), Foundation.log(32.0)], tolerance: 1e-12)
  }

  @Test func eighMatchesClosedForm() {
    let (values, vectors) = spd().eigh()
    let r2 = (2.0).squareRoot()
    expectTensor(values, shape: [3], [2 - r2, 2, 2 + r2], tolerance: 1e-12)
    #expect(vectors.shape == [3, 3])
    // Columns are orthonormal eigenvectors: A V = V diag(λ) and Vᵀ V = I.
    let av = spd().matmul(vectors)
    let vl = vectors * values.unsqueeze(0)
    expectTensor(av, shape: [3, 3], Torch_values(vl), tolerance: 1e-12)
    expectTensor(vectors.mT.matmul(vectors), shape: [3, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1], tolerance: 1e-12)
    // The eigenvector for λ = 2 is ±(1, 0, -1)/√2.
    let middle = vectors[.all, 1].toArray(Double.self)
    #expect(isClose(middle.map(Swift.abs), [1 / r2, 0, 1 / r2], tolerance: 1e-12))
    #expect(Swift.abs(middle[0] + middle[2]) < 1e-12)
  }
}

/// Helper that avoids shadowing by the local `values` binding above.
private func Torch_values(_ t: Tensor) -> [Double] { t.toArray(Double.self) }

/// cdist-based L1 and L2 distances and their gradients equal the explicit difference formulas.
@Test func pairwiseDistancesMatchExplicitDifferences() {
  Torch.manualSeed(3)
  let a = Tensor.randn([2, 4, 3], dtype: .float64).requiringGrad()
  let b = Tensor.randn([2, 5, 3], dtype: .float64)
  for p in [1.0, 2.0] {
    let difference = a.unsqueeze(2) - b.unsqueeze(1)
    let explicit = p == 1 ? difference.abs().sum(-1) : difference.square().sum(-1).sqrt()
    let fast = a.pairwiseDistances(b, p: p)
    #expect((fast - explicit).abs().max().item() < 1e-12)
    let g1 = grad(of: fast.sum(), wrt: a)
    let g2 = grad(of: explicit.sum(), wrt: a)
    #expect((g1 - g2).abs().max().item() < 1e-10)
  }
}
