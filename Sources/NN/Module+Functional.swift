import Torch

extension Module {
  /// Runs `body` (typically `self(x)`) with the named tensors in place of this module's
  /// parameters of the same names, then puts its own parameters back: PyTorch's
  /// `torch.func.functional_call`. Gradients flow into the given tensors, not the parameters, so
  /// `body` can run the model on weights after a virtual optimiser step, and a meta-gradient can
  /// reach whatever those weights were computed from (DS3L's weight network).
  ///
  /// Parameters not named in `parameters` are used as they are. Every name must be a parameter of
  /// this module, with that parameter's shape.
  public func functionalCall<Result>(_ parameters: [String: Tensor], _ body: () throws -> Result) rethrows -> Result {
    let own = Dictionary(uniqueKeysWithValues: namedParameters().map { ($0.name, $0.tensor) })
    for (name, tensor) in parameters {
      guard let parameter = own[name] else {
        preconditionFailure(
          "functionalCall: '\(name)' is not a parameter of \(type(of: self)) (it has \(own.keys.sorted()))")
      }
      precondition(
        parameter.shape == tensor.shape,
        "functionalCall: '\(name)' has shape \(tensor.shape) but the parameter has \(parameter.shape)")
    }
    // Swapped in one by one and back in reverse, so the module is whole again even if `body` throws.
    let swaps = parameters.map { (own[$0.key]!, $0.value) }
    for (parameter, tensor) in swaps { parameter.swapContents(with: tensor) }
    defer { for (parameter, tensor) in swaps.reversed() { parameter.swapContents(with: tensor) } }
    return try body()
  }

  /// The parameters after one virtual SGD step on `loss`, θ − learningRate · ∂loss/∂θ, computed
  /// with a differentiable gradient (`createGraph`), by name; the module's own parameters are
  /// not changed. Run the model on them with `functionalCall` and differentiate a second loss
  /// through the step: the meta-gradient of DS3L (Guo et al., ICML 2020) and of
  /// learning-to-reweight methods.
  public func virtualSGDStep(_ loss: Tensor, learningRate: Double) -> [String: Tensor] {
    let named = namedParameters().filter { $0.tensor.requiresGrad }
    let gradients = grad(of: [loss], wrt: named.map(\.tensor), createGraph: true)
    return Dictionary(
      uniqueKeysWithValues: zip(named, gradients).map { parameter, gradient in
        (parameter.name, parameter.tensor - learningRate * gradient)
      })
  }
}
