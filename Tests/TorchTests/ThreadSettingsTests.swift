import Testing
import Torch

@Test func threadSettingsFromEnvironment() {
  let previous = Torch.threadCount
  defer { Torch.threadCount = previous }
  Torch.configureThreadsFromEnvironment(["PENUMBRA_THREADS": "2"])
  #expect(Torch.threadCount == 2)
  Torch.configureThreadsFromEnvironment([:])
  #expect(Torch.threadCount == Torch.defaultThreadCount)
  // Nonsense falls back to the default rather than trapping.
  Torch.configureThreadsFromEnvironment(["PENUMBRA_THREADS": "zero"])
  #expect(Torch.threadCount == Torch.defaultThreadCount)
}

@Test func blasThreadsAreSettableWithOpenBLAS() throws {
  // Debian's libtorch calls OpenBLAS (libopenblas0-pthread) through libblas.so.3.
  let previous = try #require(Torch.blasThreadCount)
  defer { Torch.blasThreadCount = previous }
  Torch.configureThreadsFromEnvironment(["PENUMBRA_BLAS_THREADS": "1"])
  #expect(Torch.blasThreadCount == 1)
}
