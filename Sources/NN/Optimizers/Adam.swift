import Torch

/// Adam (Kingma & Ba) with optional AMSGrad and L2 weight decay: `torch.optim.Adam`.
public class Adam: Optimizer {
  public var betas: (Double, Double)
  public var eps: Double
  public let amsgrad: Bool
  /// Decoupled weight decay (AdamW) instead of an L2 term in the gradient.
  let decoupledWeightDecay: Bool
  /// Updates each parameter has received, [group][parameter], counted by the shim: torch.optim
  /// counts bias-correction steps per parameter, so one whose first gradient comes late starts at 1.
  var parameterSteps: [[Int64]]

  init(groups: [ParameterGroup], betas: (Double, Double), eps: Double, amsgrad: Bool, decoupled: Bool) {
    parameterSteps = groups.map { Array(repeating: 0, count: $0.parameters.count) }
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
    OptimizerKernels.adamStep(
      group.parameters, slots: &slots[index], steps: &parameterSteps[index], learningRate: group.learningRate,
      betas: betas, eps: eps, weightDecay: group.weightDecay, decoupled: decoupledWeightDecay, amsgrad: amsgrad)
  }

  /// The base state plus each parameter's update count as `G.P.step`.
  public override var stateTensors: [(name: String, tensor: Tensor)] {
    var result = super.stateTensors
    for (g, steps) in parameterSteps.enumerated() {
      for (p, step) in steps.enumerated() where step > 0 {
        result.append(("\(g).\(p).step", Tensor(Double(step), dtype: .float64)))
      }
    }
    return result
  }

  public override func loadStateTensors(_ state: [String: Tensor]) throws {
    try super.loadStateTensors(state)
    parameterSteps = groups.indices.map { g in
      groups[g].parameters.indices.map { p in Int64(state["\(g).\(p).step"]?.item() ?? 0) }
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
