import Foundation
import NN
import Torch

extension GaussianProcess {
  /// Fits lengthscale, signal scale and noise variance to one data set by maximising the log
  /// marginal likelihood with Adam on log-parameters, from a few starting lengthscales; returns
  /// the best fit. x [N, D] or [1, N, D], y [N] / [N, 1] / [1, N, 1].
  public static func fit(
    x: Tensor, y: Tensor, family: KernelFamily, period: Double = 1, steps: Int = 300,
    initialLengthscales: [Double] = [0.1, 0.5, 2]
  ) -> (process: GaussianProcess, logMarginalLikelihood: Double) {
    let x = (x.rank == 2 ? x.unsqueeze(0) : x).to(.float64)
    let y = y.reshape(1, -1, 1).to(.float64)
    let spread = max(y.std().item(), 1e-3)
    var best: (GaussianProcess, Double)?
    for start in initialLengthscales {
      let logLengthscale = Tensor(Foundation.log(start), dtype: .float64).requiringGrad()
      let logScale = Tensor(Foundation.log(spread), dtype: .float64).requiringGrad()
      let logNoise = Tensor(Foundation.log(0.1 * spread * spread), dtype: .float64).requiringGrad()
      let optimizer = Adam([logLengthscale, logScale, logNoise], learningRate: 0.05)
      func objective() -> Tensor {
        logMarginalLikelihood(
          x: x, y: y, mask: nil, family: family, lengthscale: logLengthscale.exp(), scale: logScale.exp(),
          noiseVariance: logNoise.exp() + 1e-6, period: period, jitter: 1e-8
        ).sum()
      }
      for _ in 0..<steps {
        optimizer.zeroGrad()
        (-objective()).backward()
        optimizer.step()
      }
      let value = withNoGrad { objective().item() }
      guard value.isFinite, best == nil || value > best!.1 else { continue }
      let kernel = Kernel(family, lengthscale: logLengthscale.exp().item(), scale: logScale.exp().item(), period: period)
      best = (GaussianProcess(kernel: kernel, noiseVariance: logNoise.exp().item() + 1e-6), value)
    }
    return (best!.0, best!.1)
  }
}
