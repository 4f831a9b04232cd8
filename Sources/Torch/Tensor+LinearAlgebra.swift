import CTorch

extension Tensor {
  /// Matrix product with NumPy broadcasting semantics (torch.matmul).
  public func matmul(_ other: Tensor) -> Tensor {
    withExtendedLifetime((self, other)) { wrap(pt_matmul(handle, other.handle)) }
  }

  /// Batched matrix product of [B, n, m] and [B, m, p].
  public func bmm(_ other: Tensor) -> Tensor {
    withExtendedLifetime((self, other)) { wrap(pt_bmm(handle, other.handle)) }
  }

  /// Cholesky factor of a symmetric positive-definite matrix (lower unless `upper`).
  public func cholesky(upper: Bool = false) -> Tensor { withHandle { wrap(pt_cholesky($0, upper ? 1 : 0)) } }

  /// Solves A X = self given A's Cholesky factor.
  public func choleskySolve(factor: Tensor, upper: Bool = false) -> Tensor {
    withExtendedLifetime((self, factor)) { wrap(pt_cholesky_solve(handle, factor.handle, upper ? 1 : 0)) }
  }

  /// Solves self · X = b (left) or X · self = b for triangular self.
  public func solveTriangular(_ b: Tensor, upper: Bool, left: Bool = true, unitDiagonal: Bool = false) -> Tensor {
    withExtendedLifetime((self, b)) {
      wrap(pt_solve_triangular(handle, b.handle, upper ? 1 : 0, left ? 1 : 0, unitDiagonal ? 1 : 0))
    }
  }

  /// Solves self · X = b.
  public func solve(_ b: Tensor) -> Tensor {
    withExtendedLifetime((self, b)) { wrap(pt_solve(handle, b.handle)) }
  }

  public func inverse() -> Tensor { withHandle { wrap(pt_inverse($0)) } }

  /// Sign and log of the absolute value of the determinant.
  public func slogdet() -> (sign: Tensor, logAbsDet: Tensor) {
    withHandle { handle in
      var sign: pt_tensor?
      var logAbsDet: pt_tensor?
      check(pt_slogdet(handle, &sign, &logAbsDet))
      return (wrapped(sign), wrapped(logAbsDet))
    }
  }

  /// Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix.
  public func eigh() -> (values: Tensor, vectors: Tensor) {
    withHandle { handle in
      var values: pt_tensor?
      var vectors: pt_tensor?
      check(pt_eigh(handle, &values, &vectors))
      return (wrapped(values), wrapped(vectors))
    }
  }

  /// p-norm distances between the rows of self [B, P, M] and `other` [B, R, M]: [B, P, R],
  /// without materialising the [B, P, R, M] differences.
  public func pairwiseDistances(_ other: Tensor, p: Double = 2) -> Tensor {
    withExtendedLifetime((self, other)) { wrap(pt_cdist(handle, other.handle, p)) }
  }

  /// Einstein summation, e.g. `Tensor.einsum("bij,bjk->bik", a, b)`.
  public static func einsum(_ equation: String, _ operands: Tensor...) -> Tensor {
    withHandles(operands) { handles in wrap(pt_einsum(equation, handles, Int32(handles.count))) }
  }
}
