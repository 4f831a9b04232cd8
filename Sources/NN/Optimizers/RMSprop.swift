import Torch

/// RMSprop (Hinton), optionally centred and with momentum: `torch.optim.RMSprop`.
public final class RMSprop: Optimizer {
  public var alpha: Double
  public var eps: Double
  public var momentum: Double
  public let centered: Bool

  public init(groups: [ParameterGroup], alpha: Double = 0.99, eps: Double = 1e-8, momentum: Double = 0, centered: Bool = false) {
    self.alpha = alpha
    self.eps = eps
    self.momentum = momentum
    self.centered = centered
    super.init(groups: groups, slotNames: ["square_avg", "grad_avg", "momentum_buffer"])
  }

  public convenience init(
    _ parameters: [Tensor], learningRate: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8,
    weightDecay: Double = 0, momentum: Double = 0, centered: Bool = false
  ) {
    self.init(
      groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
      alpha: alpha, eps: eps, momentum: momentum, centered: centered)
  }

  override func update(group index: Int) {
    let group = groups[index]
    OptimizerKernels.rmspropStep(
      group.parameters, slots: &slots[index], learningRate: group.learningRate, alpha: alpha, eps: eps,
      weightDecay: group.weightDecay, momentum: momentum, centered: centered)
  }
}
