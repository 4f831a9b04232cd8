import CTorch

/// libtorch's fused optimiser steps, one C call per parameter group, for NN's optimisers, which
/// own the update rules' public API, hyperparameters and checkpointed state; here only the calls
/// into the shim, so that only Torch imports CTorch.
///
/// A step takes the group's state as `slots[slot][parameter]`, nil until the first step that
/// parameter takes part in: the shim creates those tensors then, and the step stores them back in
/// `slots`. `function` names the caller in the message of a libtorch failure outside
/// `withTorchErrors`.
package enum OptimizerKernels {
  /// SGD as `torch.optim.SGD`; `slots` is [momentum_buffer].
  package static func sgdStep(
    _ parameters: [Tensor], slots: inout [[Tensor?]], learningRate: Double, momentum: Double, dampening: Double,
    weightDecay: Double, nesterov: Bool, function: StaticString = #function
  ) {
    fusedStep(parameters, slots: &slots, slotCount: 1, function: function) { params, n, slots in
      pt_sgd_step(params, n, slots[0], learningRate, momentum, dampening, weightDecay, nesterov ? 1 : 0)
    }
  }

  /// Adam, or AdamW when `decoupled`, as `torch.optim`; `slots` is [exp_avg, exp_avg_sq,
  /// max_exp_avg_sq]. `steps[i]` is parameter i's update count, which the step increments when
  /// the parameter has a gradient (torch.optim's per-parameter bias correction).
  package static func adamStep(
    _ parameters: [Tensor], slots: inout [[Tensor?]], steps: inout [Int64], learningRate: Double,
    betas: (Double, Double), eps: Double, weightDecay: Double, decoupled: Bool, amsgrad: Bool,
    function: StaticString = #function
  ) {
    precondition(steps.count == parameters.count, "\(steps.count) step counts for \(parameters.count) parameters")
    fusedStep(parameters, slots: &slots, slotCount: 3, function: function) { params, n, slots in
      steps.withUnsafeMutableBufferPointer { steps in
        pt_adam_step(
          params, n, slots[0], slots[1], learningRate, betas.0, betas.1, eps, weightDecay, decoupled ? 1 : 0,
          steps.baseAddress, amsgrad ? 1 : 0, slots[2])
      }
    }
  }

  /// RMSprop as `torch.optim.RMSprop`; `slots` is [square_avg, grad_avg, momentum_buffer].
  package static func rmspropStep(
    _ parameters: [Tensor], slots: inout [[Tensor?]], learningRate: Double, alpha: Double, eps: Double,
    weightDecay: Double, momentum: Double, centered: Bool, function: StaticString = #function
  ) {
    fusedStep(parameters, slots: &slots, slotCount: 3, function: function) { params, n, slots in
      pt_rmsprop_step(
        params, n, slots[0], slots[1], slots[2], learningRate, alpha, eps, weightDecay, momentum, centered ? 1 : 0)
    }
  }

  /// Scales the gradients of `parameters` so their global L2 norm is at most `maxNorm`; returns
  /// the norm before clipping.
  package static func clipGradNorm(_ parameters: [Tensor], maxNorm: Double, function: StaticString = #function) -> Double {
    var total = 0.0
    withHandles(parameters) { handles in
      var handles = handles
      _ = check(pt_clip_grad_norm(&handles, Int32(handles.count), maxNorm, &total), function: function)
    }
    return total
  }

  /// Hands the shim step in `body` the parameter handles and one handle array per state slot,
  /// then adopts the state tensors the shim created on a first step.
  static func fusedStep(
    _ parameters: [Tensor], slots: inout [[Tensor?]], slotCount: Int, function: StaticString,
    _ body: (UnsafeMutablePointer<pt_tensor?>, Int32, [UnsafeMutablePointer<pt_tensor?>]) -> Int32
  ) {
    let n = parameters.count
    precondition(
      slots.count == slotCount && slots.allSatisfy { $0.count == n },
      "the step needs \(slotCount) state slots of \(n) entries each, got \(slots.map(\.count))")
    let parameterHandles = UnsafeMutablePointer<pt_tensor?>.allocate(capacity: Swift.max(n, 1))
    parameterHandles.initialize(from: parameters.map { $0.handle }, count: n)
    let slotHandles = slots.map { slot in
      let buffer = UnsafeMutablePointer<pt_tensor?>.allocate(capacity: Swift.max(n, 1))
      buffer.initialize(from: slot.map { $0?.handle }, count: n)
      return buffer
    }
    defer {
      parameterHandles.deallocate()
      for buffer in slotHandles { buffer.deallocate() }
    }
    let status = withExtendedLifetime((parameters, slots)) {
      body(parameterHandles, Int32(n), slotHandles)
    }
    for (s, buffer) in slotHandles.enumerated() {
      for i in 0..<n where slots[s][i] == nil {
        if let created = buffer[i] { slots[s][i] = Tensor(handle: created) }
      }
    }
    check(status, function: function)
  }
}
