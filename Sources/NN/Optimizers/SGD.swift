import Torch

/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight
/// decay: the update rule of `torch.optim.SGD`.
public final class SGD: Optimizer {
  public var momentum: Double
  public var dampening: Double
  public var nesterov: Bool

  public init(groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) {
    precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum needs momentum > 0 and no dampening")
    self.momentum = momentum
    self.dampening = dampening
    self.nesterov = nesterov
    super.init(groups: groups, slotNames: ["momentum_buffer"])
  }

  public convenience init(
    _ parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
    weightDecay: Double = 0, nesterov: Bool = false
  ) {
    self.init(
      groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
      momentum: momentum, dampening: dampening, nesterov: nesterov)
  }

  override func update(group index: Int) {
    let group = groups[index]
    OptimizerKernels.sgdStep(
      group.parameters, slots: &slots[index], learningRate: group.learningRate, momentum: momentum,
      dampening: dampening, weightDecay: group.weightDecay, nesterov: nesterov)
  }
}
