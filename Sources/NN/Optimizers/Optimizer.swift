import Torch

/// Parameters that share a learning rate and weight decay.
public final class ParameterGroup {
  public let parameters: [Tensor]
  public var learningRate: Double
  /// The learning rate a schedule scales.
  public let initialLearningRate: Double
  public var weightDecay: Double

  public init(_ parameters: [Tensor], learningRate: Double, weightDecay: Double = 0) {
    self.parameters = parameters
    self.learningRate = learningRate
    self.initialLearningRate = learningRate
    self.weightDecay = weightDecay
  }
}

/// Base class of optimisers: parameter groups, per-parameter state, zeroing gradients, saving state.
///
/// A subclass names its state slots (Adam: `exp_avg`, `exp_avg_sq`) and updates a whole group
/// in one fused libtorch call (Torch's `OptimizerKernels`), so a step costs one C call per group
/// rather than several per parameter.
open class Optimizer {
  public let groups: [ParameterGroup]
  /// Number of `step()` calls so far (restored with the state).
  public internal(set) var stepCount = 0
  /// Names of the per-parameter state tensors, as saved in checkpoints.
  let slotNames: [String]
  /// State tensors indexed [group][slot][parameter]; nil until the first step creates them.
  var slots: [[[Tensor?]]]

  init(groups: [ParameterGroup], slotNames: [String]) {
    precondition(!groups.isEmpty, "an optimiser needs at least one parameter group")
    self.groups = groups
    self.slotNames = slotNames
    slots = groups.map { group in slotNames.map { _ in Array(repeating: nil, count: group.parameters.count) } }
  }

  /// Every group's learning rate (reads the first group's).
  public var learningRate: Double {
    get { groups[0].learningRate }
    set { for group in groups { group.learningRate = newValue } }
  }

  /// Every parameter of every group.
  public var parameters: [Tensor] { groups.flatMap(\.parameters) }

  /// Resets gradients to none (PyTorch's `set_to_none=True`); parameters without a gradient are skipped by `step()`.
  public func zeroGrad() { for p in parameters { p.grad = nil } }

  /// Applies one update from the current gradients.
  public func step() {
    stepCount += 1
    for index in groups.indices { update(group: index) }
  }

  /// Updates group `index`: subclasses hand its parameters and `slots[index]` to their rule's
  /// fused step in `OptimizerKernels`, which fills in the state the first step creates.
  func update(group index: Int) {
    fatalError("\(type(of: self)) must override update(group:)")
  }

  /// Named state for checkpoints: `step`, and `G.P.slot` for group G, parameter P.
  public var stateTensors: [(name: String, tensor: Tensor)] {
    var result: [(String, Tensor)] = [("step", Tensor(Double(stepCount), dtype: .float64))]
    for (g, groupSlots) in slots.enumerated() {
      for (s, slot) in groupSlots.enumerated() {
        for (p, tensor) in slot.enumerated() {
          if let tensor { result.append(("\(g).\(p).\(slotNames[s])", tensor)) }
        }
      }
    }
    return result
  }

  /// Restores state saved by `stateTensors`, checking every shape against its parameter.
  public func loadStateTensors(_ state: [String: Tensor]) throws {
    var restored = slots
    for (g, group) in groups.enumerated() {
      for (s, slotName) in slotNames.enumerated() {
        for (p, parameter) in group.parameters.enumerated() {
          let name = "\(g).\(p).\(slotName)"
          guard let tensor = state[name] else {
            restored[g][s][p] = nil
            continue
          }
          guard tensor.shape == parameter.shape else {
            throw TorchError("optimiser state '\(name)' has shape \(tensor.shape) but its parameter has \(parameter.shape)")
          }
          restored[g][s][p] = tensor.to(parameter.dtype).clone()
        }
      }
    }
    slots = restored
    stepCount = Int(state["step"]?.item() ?? 0)
  }
}

/// Scales gradients so their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double) -> Double {
  OptimizerKernels.clipGradNorm(parameters, maxNorm: maxNorm)
}
