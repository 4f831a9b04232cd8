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
  Torch.configureThreadsFromEnvironment(["PENUMBRA_BLAS_THREADS": "2"])
  #expect(Torch.blasThreadCount == 2)
  // Unset: one thread, unless the user set OpenBLAS's own variable.
  Torch.configureThreadsFromEnvironment([:])
  #expect(Torch.blasThreadCount == Torch.defaultBLASThreadCount)
  Torch.blasThreadCount = 2
  Torch.configureThreadsFromEnvironment(["OPENBLAS_NUM_THREADS": "2"])
  #expect(Torch.blasThreadCount == 2)
}

@Test func blasKernelChoice() throws {
  #expect(try #require(Torch.blasCoreName).isEmpty == false)
  let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
  // Only the generic fallback is replaced, by the best family the CPU's flags allow.
  #expect(Torch.preferredBLASCore(current: "Prescott", cpuFlags: avx512) == "SkylakeX")
  #expect(Torch.preferredBLASCore(current: "Prescott", cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
  #expect(Torch.preferredBLASCore(current: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
  #expect(Torch.preferredBLASCore(current: "Haswell", cpuFlags: avx512) == nil)
}
