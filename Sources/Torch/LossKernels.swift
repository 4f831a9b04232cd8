import CTorch

/// libtorch's loss kernels, for NN's loss functions, which own the public API, its defaults and
/// its documentation; here only the calls into the shim, so that only Torch imports CTorch.
///
/// `reduction` is NN's `Reduction.rawValue`: 0 none, 1 mean, 2 sum, ATen's own numbering.
/// `function` names the caller in the message of a libtorch failure outside `withTorchErrors`;
/// its default is the NN function that calls the kernel.
package enum LossKernels {
  package static func mse(
    _ prediction: Tensor, _ target: Tensor, reduction: Int32, function: StaticString = #function
  ) -> Tensor {
    withExtendedLifetime((prediction, target)) {
      wrap(pt_mse_loss(prediction.handle, target.handle, reduction), function: function)
    }
  }

  package static func crossEntropy(
    logits: Tensor, targets: Tensor, weight: Tensor?, ignoreIndex: Int, labelSmoothing: Double, reduction: Int32,
    function: StaticString = #function
  ) -> Tensor {
    withExtendedLifetime((logits, targets, weight)) {
      wrap(
        pt_cross_entropy(logits.handle, targets.handle, weight?.handle, reduction, Int64(ignoreIndex), labelSmoothing),
        function: function)
    }
  }

  package static func nll(
    logProbabilities: Tensor, targets: Tensor, weight: Tensor?, ignoreIndex: Int, reduction: Int32,
    function: StaticString = #function
  ) -> Tensor {
    withExtendedLifetime((logProbabilities, targets, weight)) {
      wrap(
        pt_nll_loss(logProbabilities.handle, targets.handle, weight?.handle, reduction, Int64(ignoreIndex)),
        function: function)
    }
  }

  package static func binaryCrossEntropy(
    logits: Tensor, targets: Tensor, weight: Tensor?, positiveWeight: Tensor?, reduction: Int32,
    function: StaticString = #function
  ) -> Tensor {
    withExtendedLifetime((logits, targets, weight, positiveWeight)) {
      wrap(
        pt_bce_with_logits(logits.handle, targets.handle, weight?.handle, positiveWeight?.handle, reduction),
        function: function)
    }
  }

  package static func binaryCrossEntropy(
    probabilities: Tensor, targets: Tensor, weight: Tensor?, reduction: Int32, function: StaticString = #function
  ) -> Tensor {
    withExtendedLifetime((probabilities, targets, weight)) {
      wrap(pt_binary_cross_entropy(probabilities.handle, targets.handle, weight?.handle, reduction), function: function)
    }
  }
}
