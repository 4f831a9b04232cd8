import CTorch

// Functional neural-network operations (the torch.nn.functional of Penumbra).

/// x · weightᵀ + bias.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
  withExtendedLifetime((x, weight, bias)) { wrap(pt_linear(x.handle, weight.handle, bias?.handle)) }
}

/// 2-D convolution of [N, C, H, W] input with [out, C/groups, kH, kW] weight.
public func conv2d(
  _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
  padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
  withExtendedLifetime((x, weight, bias)) {
    withInt64s([stride.0, stride.1, padding.0, padding.1, dilation.0, dilation.1]) { p, _ in
      wrap(pt_conv2d(x.handle, weight.handle, bias?.handle, p, p + 2, p + 4, Int64(groups)))
    }
  }
}

/// Transposed 2-D convolution with [in, out/groups, kH, kW] weight.
public func convTranspose2d(
  _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
  padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
  groups: Int = 1
) -> Tensor {
  withExtendedLifetime((x, weight, bias)) {
    withInt64s([
      stride.0, stride.1, padding.0, padding.1, outputPadding.0, outputPadding.1, dilation.0, dilation.1,
    ]) { p, _ in
      wrap(pt_conv_transpose2d(x.handle, weight.handle, bias?.handle, p, p + 2, p + 4, p + 6, Int64(groups)))
    }
  }
}

public func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
  let stride = stride ?? kernel
  return x.withHandle { handle in
    withInt64s([kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1]) { p, _ in
      wrap(pt_max_pool2d(handle, p, p + 2, p + 4))
    }
  }
}

public func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
  let stride = stride ?? kernel
  return x.withHandle { handle in
    withInt64s([kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1]) { p, _ in
      wrap(pt_avg_pool2d(handle, p, p + 2, p + 4))
    }
  }
}

public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) -> Tensor {
  x.withHandle { handle in
    withInt64s([outputSize.0, outputSize.1]) { p, _ in wrap(pt_adaptive_pool2d(handle, p, 0)) }
  }
}

public func adaptiveMaxPool2d(_ x: Tensor, outputSize: (Int, Int)) -> Tensor {
  x.withHandle { handle in
    withInt64s([outputSize.0, outputSize.1]) { p, _ in wrap(pt_adaptive_pool2d(handle, p, 1)) }
  }
}

/// Batch normalisation over dimension 1; in training it updates the running statistics in place.
public func batchNorm(
  _ x: Tensor, runningMean: Tensor?, runningVar: Tensor?, weight: Tensor?, bias: Tensor?,
  training: Bool, momentum: Double = 0.1, eps: Double = 1e-5
) -> Tensor {
  withExtendedLifetime((x, runningMean, runningVar, weight, bias)) {
    wrap(
      pt_batch_norm(
        x.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle,
        training ? 1 : 0, momentum, eps))
  }
}

public func groupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) -> Tensor {
  withExtendedLifetime((x, weight, bias)) {
    wrap(pt_group_norm(x.handle, Int64(groups), weight?.handle, bias?.handle, eps))
  }
}

/// Normalises over the trailing `normalizedShape` dimensions.
public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor?, bias: Tensor?, eps: Double = 1e-5) -> Tensor {
  withExtendedLifetime((x, weight, bias)) {
    withInt64s(normalizedShape) { d, n in wrap(pt_layer_norm(x.handle, d, n, weight?.handle, bias?.handle, eps)) }
  }
}

/// Zeroes elements with probability `p` and rescales the rest by 1/(1-p) when training.
public func dropout(_ x: Tensor, p: Double, training: Bool) -> Tensor {
  x.withHandle { wrap(pt_dropout($0, p, training ? 1 : 0)) }
}

public enum InterpolationMode: Sendable {
  case nearest
  case bilinear(alignCorners: Bool)
}

/// Resizes [N, C, H, W] to `size` (height, width).
public func interpolate(_ x: Tensor, size: (Int, Int), mode: InterpolationMode) -> Tensor {
  let (code, align): (Int, Bool) =
    switch mode {
    case .nearest: (Int(PT_INTERP_NEAREST), false)
    case .bilinear(let alignCorners): (Int(PT_INTERP_BILINEAR), alignCorners)
    }
  return x.withHandle { handle in
    withInt64s([size.0, size.1]) { p, _ in wrap(pt_interpolate2d(handle, p, Int32(code), align ? 1 : 0)) }
  }
}

/// Rearranges [N, C·r², H, W] into [N, C, H·r, W·r].
public func pixelShuffle(_ x: Tensor, factor: Int) -> Tensor {
  x.withHandle { wrap(pt_pixel_shuffle($0, Int64(factor))) }
}

public enum PaddingMode: Int32, Sendable {
  case constant = 0
  case reflect = 1
  case replicate = 2
  case circular = 3
}

/// Pads the last dimensions; `pads` lists (before, after) pairs starting from the last dimension.
public func pad(_ x: Tensor, _ pads: [Int], mode: PaddingMode = .constant, value: Double = 0) -> Tensor {
  x.withHandle { handle in
    withInt64s(pads) { p, n in wrap(pt_pad(handle, p, n, mode.rawValue, value)) }
  }
}

/// Rows of `weight` picked by integer `indices`.
public func embedding(_ indices: Tensor, weight: Tensor) -> Tensor {
  withExtendedLifetime((indices, weight)) { wrap(pt_embedding(weight.handle, indices.handle)) }
}
