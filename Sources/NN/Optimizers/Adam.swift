import CTorch
import Torch

/// Adam (Kingma & Ba) with optional AMSGrad and L2 weight decay: `torch.optim.Adam`.
public class Adam: Optimizer {
  public var betas: (Double, Double)
  public var eps: Double
  public let amsgrad: Bool
  /// Decoupled weight decay (AdamW) instead of an L2 term in the gradient.
  let decoupledWeightDecay: Bool

  init(groups: [ParameterGroup], betas: (Double, Double), eps: Double, amsgrad: Bool, decoupled: Bool) {
    self.betas = betas
    self.eps = eps
    self.amsgrad = amsgrad
    decoupledWeightDecay = decoupled
    super.init(groups: groups, slotNames: ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
  }

  public convenience init(groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, amsgrad: Bool = false) {
    self.init(groups: groups, betas: betas, eps: eps, amsgrad: amsgrad, decoupled: false)
  }

  public convenience init(
    _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false
  ) {
    self.init(
      groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
      betas: betas, eps: eps, amsgrad: amsgrad, decoupled: false)
  }

  override func update(group index: Int) {
    let group = groups[index]
    fusedUpdate(group: index) { params, n, slots in
      pt_adam_step(
        params, n, slots[0], slots[1], group.learningRate, betas.0, betas.1, eps, group.weightDecay,
        decoupledWeightDecay ? 1 : 0, Int64(stepCount), amsgrad ? 1 : 0, slots[2])
    }
  }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter): `torch.optim.AdamW`.
public final class AdamW: Adam {
  public init(groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8, amsgrad: Bool = false) {
    super.init(groups: groups, betas: betas, eps: eps, amsgrad: amsgrad, decoupled: true)
  }

  public convenience init(
    _ parameters: [Tensor], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
    eps: Double = 1e-8, weightDecay: Double = 1e-2, amsgrad: Bool = false
  ) {
    self.init(
      groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
      betas: betas, eps: eps, amsgrad: amsgrad)
  }
}
