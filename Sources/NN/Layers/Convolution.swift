import Torch

/// 2-D convolution over [N, C, H, W], initialised as PyTorch's `nn.Conv2d`.
public final class Conv2d: Module, UnaryLayer {
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let dilation: (Int, Int)
  public let groups: Int

  public init(
    _ inputChannels: Int, _ outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
    padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true
  ) {
    precondition(inputChannels % groups == 0 && outputChannels % groups == 0, "channels must divide into \(groups) groups")
    let shape = [outputChannels, inputChannels / groups, kernelSize.0, kernelSize.1]
    weight = Init.kaimingUniform(shape, a: 5.0.squareRoot())
    self.bias = bias ? Init.uniform([outputChannels], bound: 1 / Double(Init.fans(shape).fanIn).squareRoot()) : nil
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
  }

  /// A square kernel with equal stride and padding in both directions.
  public convenience init(_ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true) {
    self.init(
      inputChannels, outputChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
      padding: (padding, padding), bias: bias)
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
  }
}

/// Transposed 2-D convolution (the gradient of Conv2d), initialised as PyTorch's `nn.ConvTranspose2d`.
public final class ConvTranspose2d: Module, UnaryLayer {
  /// Shape [in, out / groups, kH, kW], as in PyTorch.
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: (Int, Int)
  public let padding: (Int, Int)
  public let outputPadding: (Int, Int)
  public let dilation: (Int, Int)
  public let groups: Int

  public init(
    _ inputChannels: Int, _ outputChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
    padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
    groups: Int = 1, bias: Bool = true
  ) {
    precondition(inputChannels % groups == 0 && outputChannels % groups == 0, "channels must divide into \(groups) groups")
    let shape = [inputChannels, outputChannels / groups, kernelSize.0, kernelSize.1]
    // PyTorch computes the fan-in from dimension 1 of this weight (out / groups · kernel).
    weight = Init.kaimingUniform(shape, a: 5.0.squareRoot())
    self.bias = bias ? Init.uniform([outputChannels], bound: 1 / Double(Init.fans(shape).fanIn).squareRoot()) : nil
    self.stride = stride
    self.padding = padding
    self.outputPadding = outputPadding
    self.dilation = dilation
    self.groups = groups
  }

  public convenience init(
    _ inputChannels: Int, _ outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
    outputPadding: Int = 0, bias: Bool = true
  ) {
    self.init(
      inputChannels, outputChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
      padding: (padding, padding), outputPadding: (outputPadding, outputPadding), bias: bias)
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    convTranspose2d(
      x, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
      dilation: dilation, groups: groups)
  }
}
