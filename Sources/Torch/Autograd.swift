import CTorch

extension Tensor {
  /// Whether autograd records operations on this tensor (set on leaves to make parameters).
  public var requiresGrad: Bool {
    get { withHandle { pt_requires_grad($0) != 0 } }
    set { withHandle { _ = check(pt_set_requires_grad($0, newValue ? 1 : 0)) } }
  }

  /// This tensor with `requiresGrad` set (for one-line leaf creation).
  @discardableResult
  public func requiringGrad(_ flag: Bool = true) -> Tensor {
    requiresGrad = flag
    return self
  }

  /// The gradient accumulated by `backward()`, or nil.
  public var grad: Tensor? {
    get {
      withHandle { handle in
        var out: pt_tensor?
        check(pt_grad(handle, &out))
        return out.map(Tensor.init(handle:))
      }
    }
    set {
      withExtendedLifetime((self, newValue)) { _ = check(pt_set_grad(handle, newValue?.handle)) }
    }
  }

  /// Accumulates d(self)/d(leaf) into each leaf's `grad`. A non-scalar output needs `gradient`.
  public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false, createGraph: Bool = false) {
    withExtendedLifetime((self, gradient)) {
      _ = check(pt_backward(handle, gradient?.handle, retainGraph ? 1 : 0, createGraph ? 1 : 0))
    }
  }
}

/// Gradients of `outputs` with respect to `inputs` (torch.autograd.grad).
///
/// With `createGraph` the result is itself differentiable, for higher-order gradients
/// (gradient penalties, meta-gradients). The graph is kept when `retainGraph` is set or
/// a graph is created. An input the outputs do not depend on gets zeros.
public func grad(
  of outputs: [Tensor], wrt inputs: [Tensor], gradOutputs: [Tensor]? = nil,
  createGraph: Bool = false, retainGraph: Bool = false
) -> [Tensor] {
  var results = [pt_tensor?](repeating: nil, count: inputs.count)
  let ok = withHandles(outputs) { outs in
    withHandles(inputs) { ins in
      withExtendedLifetime(gradOutputs) {
        let seeds = gradOutputs.map { $0.map { Optional($0.handle) } }
        return check(
          pt_autograd_grad(
            outs, Int32(outs.count), seeds, ins, Int32(ins.count), retainGraph ? 1 : 0,
            createGraph ? 1 : 0, 1, &results))
      }
    }
  }
  guard ok else { return inputs.map { _ in Tensor(handle: pt_undefined()) } }
  return zip(results, inputs).map { result, input in result.map(Tensor.init(handle:)) ?? Tensor.zeros(like: input) }
}

/// Gradient of one output with respect to one input.
public func grad(of output: Tensor, wrt input: Tensor, gradOutput: Tensor? = nil, createGraph: Bool = false, retainGraph: Bool = false) -> Tensor {
  grad(of: [output], wrt: [input], gradOutputs: gradOutput.map { [$0] }, createGraph: createGraph, retainGraph: retainGraph)[0]
}

// MARK: In-place updates (parameters, buffers, optimiser state)

extension Tensor {
  /// self += alpha · other, in place (call inside `withNoGrad` for leaves that require grad).
  public func add_(_ other: Tensor, alpha: Double = 1) {
    withExtendedLifetime((self, other)) { _ = check(pt_inplace(Int32(PT_INPLACE_ADD), handle, other.handle, alpha)) }
  }

  public func sub_(_ other: Tensor, alpha: Double = 1) {
    withExtendedLifetime((self, other)) { _ = check(pt_inplace(Int32(PT_INPLACE_SUB), handle, other.handle, alpha)) }
  }

  public func mul_(_ other: Tensor) {
    withExtendedLifetime((self, other)) { _ = check(pt_inplace(Int32(PT_INPLACE_MUL), handle, other.handle, 1)) }
  }

  public func mul_(_ scalar: Double) {
    withHandle { _ = check(pt_inplace_scalar(Int32(PT_INPLACE_MUL_SCALAR), $0, scalar)) }
  }

  public func add_(_ scalar: Double) {
    withHandle { _ = check(pt_inplace_scalar(Int32(PT_INPLACE_ADD_SCALAR), $0, scalar)) }
  }

  public func fill_(_ value: Double) {
    withHandle { _ = check(pt_inplace_scalar(Int32(PT_INPLACE_FILL), $0, value)) }
  }

  /// Copies `source`'s values (broadcast and converted) into this tensor's storage.
  public func copy_(_ source: Tensor) {
    withExtendedLifetime((self, source)) { _ = check(pt_inplace(Int32(PT_INPLACE_COPY), handle, source.handle, 1)) }
  }
}
