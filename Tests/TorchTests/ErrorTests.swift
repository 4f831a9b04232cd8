import Testing
import Torch

/// A shape as a user would supply it (read from a file or the command line).
private func userShape(_ text: String) -> [Int] { text.split(separator: ",").compactMap { Int($0) } }

@Suite struct ErrorTests {
  @Test func reshapeToUserShapeThrowsLibtorchMessage() {
    let x = Tensor.zeros([2, 3])
    #expect {
      _ = try withTorchErrors { x.reshape(userShape("4,4")) }
    } throws: { error in
      guard let error = error as? TorchError else { return false }
      return error.message.contains("shape '[4, 4]' is invalid for input of size 6")
    }
    // A valid user shape goes through.
    let ok = try? withTorchErrors { x.reshape(userShape("3,2")) }
    #expect(ok?.shape == [3, 2])
  }

  @Test func matmulOfMismatchedShapesThrows() throws {
    let a = Tensor.ones([2, 3])
    let b = Tensor.ones(userShape("2,3"))
    let error = try #require(throws: TorchError.self) { try withTorchErrors { a.matmul(b) } }
    #expect(error.message.contains("cannot be multiplied"), "\(error.message)")
    #expect(error.message.contains("2x3 and 2x3"), "\(error.message)")
    // The message is libtorch's alone, without a C++ backtrace.
    #expect(!error.message.contains("Exception raised from"))
  }

  @Test func opsAfterAFailureDoNotCrash() throws {
    let error = try #require(throws: TorchError.self) {
      try withTorchErrors {
        let bad = Tensor.zeros([2, 3]).reshape([5])
        #expect(!bad.isDefined)
        // Every later use of the placeholder fails quietly until the scope ends.
        let chained = (bad + 1).exp().sum(0).matmul(Tensor.ones([3, 3]))
        #expect(!chained.isDefined)
        _ = bad.shape
        _ = bad.rank
        _ = bad.count
        _ = bad.dtype
        _ = bad.toArray(Float.self)
        _ = bad.item()
        _ = bad.description
        _ = Tensor.cat([bad, Tensor.ones([2])])
        _ = bad.split(sizes: [1, 1])
        _ = bad.max(dim: 0)
        _ = bad.requiresGrad
        // Valid work in the same scope still runs.
        let fine = Tensor.ones([2]) * 3
        #expect(fine.toArray(Float.self) == [3, 3])
        return chained
      }
    }
    // The first failure is the one reported.
    #expect(error.message.contains("shape '[5]' is invalid for input of size 6"), "\(error.message)")
    // Outside the scope, everything works as before.
    #expect(Tensor.ones([2, 2]).sum().item() == 4)
  }

  @Test func nestedScopes() throws {
    // An inner failure caught inside the outer scope does not leak out of it.
    let result = try withTorchErrors { () -> Double in
      let inner = try? withTorchErrors { Tensor.ones([3]).reshape([2]) }
      #expect(inner == nil)
      return Tensor.ones([3]).sum().item()
    }
    #expect(result == 3)

    // An outer failure before an inner scope survives the inner scope's clean exit.
    let outer = try #require(throws: TorchError.self) {
      try withTorchErrors {
        _ = Tensor.ones([2, 2]).matmul(Tensor.ones([3, 3]))
        let inner = try withTorchErrors { Tensor.ones([2]) + 1 }
        #expect(inner.toArray(Float.self) == [2, 2])
      }
    }
    #expect(outer.message.contains("cannot be multiplied"), "\(outer.message)")

    // An uncaught inner failure propagates through the outer scope.
    let propagated = try #require(throws: TorchError.self) {
      try withTorchErrors {
        try withTorchErrors { _ = Tensor.zeros([4]).reshape([3]) }
        Issue.record("the inner scope should have thrown")
      }
    }
    #expect(propagated.message.contains("invalid for input of size 4"), "\(propagated.message)")

    // After all of this, a fresh scope starts clean.
    let clean = try withTorchErrors { Tensor.ones([2]).sum().item() }
    #expect(clean == 2)
  }

  @Test func errorsFromTheBodyPassThrough() {
    struct Custom: Error {}
    #expect(throws: Custom.self) { try withTorchErrors { throw Custom() } }
  }

  @Test func linearAlgebraFailuresAreCatchable() throws {
    // A user-supplied matrix that is not positive definite.
    let notSPD = Tensor([1, 2, 2, 1] as [Double], shape: [2, 2], dtype: .float64)
    let error = try #require(throws: TorchError.self) { try withTorchErrors { notSPD.cholesky() } }
    #expect(error.message.lowercased().contains("positive-definite"), "\(error.message)")
  }
}
