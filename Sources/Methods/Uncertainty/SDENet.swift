import Foundation
import NN
import Torch
import Training

/// SDE-Net (Kong, Sun, Chen, Zhao and Zhang, ICML 2020) for 28×28 one-channel images: the
/// hidden state of a ResNet-like classifier follows an SDE dx = f(t, x) dt + g(x₀) dW, whose
/// drift net f fits the labels and whose diffusion net g is trained to be small on the training
/// data and large on noised inputs, so unfamiliar inputs give scattered stochastic predictions.
///
/// Layers, initialisation and names follow the official `SDE-Net/MNIST/models/sdenet_mnist.py`
/// (`SDENet_mnist(layer_depth=6, dim=64)`), except that ConcatConv2d's `_layer` is `layer`
/// here (a leading underscore is dropped by Module's naming).
public final class SDENet: Module, UncertaintyClassifier {
  /// A 3×3 and two stride-2 convolutions: 28×28 images to a `channels`×6×6 state x₀.
  public let downsamplingLayers: Sequential
  /// f(t, x): the state's velocity.
  public let drift: SDENetDrift
  /// g(t, x) ∈ (0, 1) before scaling by `sigma`.
  public let diffusion: SDENetDiffusion
  /// Group norm, ReLU, global average pool and a linear map to logits.
  public let fcLayers: Sequential
  /// Number of Euler–Maruyama steps (`layer_depth`; 6 in `sdenet_mnist.py`).
  public let layerDepth: Int
  /// The SDE is solved on t ∈ [0, horizon] (6 in the official model, so Δt = 6 / layerDepth).
  public let horizon: Double
  /// Scale of the diffusion: 20 while training (`net.sigma = 20` in the training script "for
  /// stability"); the detection script reloads the model and so runs with the class default 500.
  public var sigma: Double
  /// σ of the official detection runs: `test_detection.py` rebuilds the model, whose
  /// constructor sets 500, and the state dict does not hold σ.
  public static let detectionSigma = 500.0
  /// Stochastic passes averaged by `predict` (`--eva_iter`, 10 in `test_detection.py`).
  public var evaluationPasses: Int

  /// A network for `classes` classes with `channels` channels in its hidden state.
  public init(
    classes: Int = 10, channels: Int = 64, layerDepth: Int = 6, horizon: Double = 6, sigma: Double = 20,
    evaluationPasses: Int = 10
  ) {
    precondition(layerDepth > 0 && evaluationPasses > 0, "SDE-Net needs at least one step and one pass")
    downsamplingLayers = sdeNetDownsampling(channels)
    drift = SDENetDrift(channels: channels)
    diffusion = SDENetDiffusion(channels: channels)
    fcLayers = sdeNetHead(channels, classes)
    self.layerDepth = layerDepth
    self.horizon = horizon
    self.sigma = sigma
    self.evaluationPasses = evaluationPasses
    super.init()
    initializeAsSDENetReference(self)
  }

  /// Step size Δt of the Euler–Maruyama scheme.
  public var timeStep: Double { horizon / Double(layerDepth) }

  /// Scaled diffusion σ·g(0, x₀) [batch, 1, 1, 1] of downsampled states x₀ [batch, C, H, W].
  public func diffusionTerm(_ state: Tensor) -> Tensor {
    (diffusion(time: 0, state) * sigma).unsqueeze(2).unsqueeze(3)
  }

  /// Euler–Maruyama solve x_{k+1} = x_k + f(t_k, x_k)Δt + g·√Δt·ε_k, ε_k ∼ N(0, I), from x₀
  /// with a diffusion `scale` broadcast against the state (evaluated once, at t = 0, as in the
  /// official code).
  public func solve(from initial: Tensor, diffusion scale: Tensor) -> Tensor {
    let dt = timeStep
    var state = initial
    for k in 0..<layerDepth {
      let noise = Tensor.randn(state.shape, dtype: state.dtype)
      state = state + drift(time: Double(k) * dt, state) * dt + scale * noise * dt.squareRoot()
    }
    return state
  }

  /// One stochastic pass: logits [batch, classes] of images [batch, 1, 28, 28].
  public func logits(_ x: Tensor) -> Tensor {
    let initial = downsamplingLayers(x)
    return fcLayers(solve(from: initial, diffusion: diffusionTerm(initial)))
  }

  /// One stochastic pass (`forward(x)`).
  public func callAsFunction(_ x: Tensor) -> Tensor { logits(x) }

  /// Diffusion-net output g(0, x₀) ∈ (0, 1) [batch, 1] (`forward(x, training_diffusion=True)`);
  /// x₀ is detached, so training g leaves the downsampling layers alone.
  public func diffusion(_ x: Tensor) -> Tensor {
    diffusion(time: 0, downsamplingLayers(x).detach())
  }

  /// Mean softmax over `passes` stochastic passes [batch, classes].
  public func probabilities(_ x: Tensor, passes: Int? = nil) -> Tensor {
    let count = passes ?? evaluationPasses
    precondition(count > 0, "averaging needs at least one pass")
    var sum = logits(x).softmax(dim: 1)
    for _ in 1..<count { sum = sum + logits(x).softmax(dim: 1) }
    return sum / Double(count)
  }

  /// Most probable class under the mean softmax and its maximum probability: the confidence
  /// score `test_detection.py` ranks in- against out-of-distribution inputs by (set `sigma` to
  /// `SDENet.detectionSigma` to score as it does).
  public func predict(_ x: Tensor) -> Prediction {
    withNoGrad { predictive(probabilities(x), .maxProbability) }
  }
}

/// The official model's normalisation: GroupNorm with min(32, C) groups.
private func sdeNetNorm(_ channels: Int) -> GroupNorm { GroupNorm(groups: min(32, channels), channels: channels) }

/// A 3×3 and two stride-2 convolutions: 28×28 images to a `channels`×6×6 state.
private func sdeNetDownsampling(_ channels: Int) -> Sequential {
  Sequential(
    Conv2d(1, channels, kernelSize: 3), sdeNetNorm(channels), ActivationLayer(.relu),
    Conv2d(channels, channels, kernelSize: 4, stride: 2, padding: 1), sdeNetNorm(channels), ActivationLayer(.relu),
    Conv2d(channels, channels, kernelSize: 4, stride: 2, padding: 1))
}

/// Group norm, ReLU, global average pool and a linear map to logits.
private func sdeNetHead(_ channels: Int, _ classes: Int) -> Sequential {
  Sequential(sdeNetNorm(channels), ActivationLayer(.relu), SDEGlobalAveragePool(), SDEFlatten(), Linear(channels, classes))
}

/// The official `init_params`: convolutions Kaiming-normal with fan-out, linear weights
/// N(0, 10⁻⁶), biases zero (group norms keep weight 1 and bias 0).
private func initializeAsSDENetReference(_ model: Module) {
  withNoGrad {
    for (_, module) in model.namedModules() {
      if let conv = module as? Conv2d {
        let fanOut = Double(Init.fans(conv.weight.shape).fanOut)
        conv.weight.copy_(Tensor.normal(conv.weight.shape, std: (2 / fanOut).squareRoot()))
        conv.bias?.fill_(0)
      } else if let linear = module as? Linear {
        linear.weight.copy_(Tensor.normal(linear.weight.shape, std: 1e-3))
        linear.bias?.fill_(0)
      }
    }
  }
}

/// The SDE-Net paper's plain baseline (`MNIST/models/resnet.py`, `Resnet`): SDE-Net's
/// downsampling layers and head around six pre-activation residual blocks where SDE-Net solves
/// its SDE, so the comparison isolates the SDE; trained by cross-entropy (`resnet_mnist.py`).
public final class SDENetResNet: Module, UnaryLayer {
  public let downsamplingLayers: Sequential
  public let blocks: [PreActivationBlock]
  public let fcLayers: Sequential

  /// The official network is `channels: 64, blockCount: 6`.
  public init(classes: Int = 10, channels: Int = 64, blockCount: Int = 6) {
    downsamplingLayers = sdeNetDownsampling(channels)
    blocks = (0..<blockCount).map { _ in PreActivationBlock(channels: channels) }
    fcLayers = sdeNetHead(channels, classes)
    super.init()
    initializeAsSDENetReference(self)
  }

  /// Logits [N, classes] of images [N, 1, 28, 28].
  public func callAsFunction(_ x: Tensor) -> Tensor {
    fcLayers(blocks.reduce(downsamplingLayers(x)) { state, block in block(state) })
  }
}

/// x + conv(relu(norm(conv(relu(norm(x)))))) with bias-free 3×3 convolutions (`ResBlock`).
public final class PreActivationBlock: Module, UnaryLayer {
  public let norm1: GroupNorm
  public let conv1: Conv2d
  public let norm2: GroupNorm
  public let conv2: Conv2d

  public init(channels: Int) {
    norm1 = sdeNetNorm(channels)
    conv1 = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false)
    norm2 = sdeNetNorm(channels)
    conv2 = Conv2d(channels, channels, kernelSize: 3, padding: 1, bias: false)
  }

  public func callAsFunction(_ x: Tensor) -> Tensor {
    x + conv2(norm2(conv1(norm1(x).relu())).relu())
  }
}

/// A 3×3 convolution that sees time t as an extra constant input channel (`ConcatConv2d`).
public final class TimeConcatConv2d: Module {
  public let layer: Conv2d

  /// Maps `inputChannels` (plus time) to `outputChannels`, keeping the spatial size.
  public init(_ inputChannels: Int, _ outputChannels: Int) {
    layer = Conv2d(inputChannels + 1, outputChannels, kernelSize: 3, padding: 1)
  }

  /// The convolution of [t, x] along channels.
  public func callAsFunction(time t: Double, _ x: Tensor) -> Tensor {
    let timeChannel = Tensor.full([x.size(0), 1, x.size(2), x.size(3)], t, dtype: x.dtype, device: x.device)
    return layer(Tensor.cat([timeChannel, x], dim: 1))
  }
}

/// SDE-Net's drift f(t, x): norm, ReLU, time-conv, norm, ReLU, time-conv, norm.
public final class SDENetDrift: Module {
  public let norm1: GroupNorm
  public let conv1: TimeConcatConv2d
  public let norm2: GroupNorm
  public let conv2: TimeConcatConv2d
  public let norm3: GroupNorm

  /// A drift on states with `channels` channels.
  public init(channels: Int) {
    norm1 = sdeNetNorm(channels)
    conv1 = TimeConcatConv2d(channels, channels)
    norm2 = sdeNetNorm(channels)
    conv2 = TimeConcatConv2d(channels, channels)
    norm3 = sdeNetNorm(channels)
  }

  /// f(t, x), shaped like x.
  public func callAsFunction(time t: Double, _ x: Tensor) -> Tensor {
    let hidden = conv1(time: t, norm1(x).relu())
    return norm3(conv2(time: t, norm2(hidden).relu()))
  }
}

/// SDE-Net's diffusion g(t, x): the drift's convolutions followed by a pooled linear map to one
/// sigmoid output per example.
public final class SDENetDiffusion: Module {
  public let norm1: GroupNorm
  public let conv1: TimeConcatConv2d
  public let norm2: GroupNorm
  public let conv2: TimeConcatConv2d
  /// Norm, ReLU, global average pool, flatten, Linear(C, 1), sigmoid.
  public let fc: Sequential

  /// A diffusion net on states with `channels` channels.
  public init(channels: Int) {
    norm1 = sdeNetNorm(channels)
    conv1 = TimeConcatConv2d(channels, channels)
    norm2 = sdeNetNorm(channels)
    conv2 = TimeConcatConv2d(channels, channels)
    fc = Sequential(
      sdeNetNorm(channels), ActivationLayer(.relu), SDEGlobalAveragePool(), SDEFlatten(), Linear(channels, 1),
      ActivationLayer(.sigmoid))
  }

  /// g(t, x) ∈ (0, 1): [batch, 1].
  public func callAsFunction(time t: Double, _ x: Tensor) -> Tensor {
    let hidden = conv1(time: t, norm1(x).relu())
    return fc(conv2(time: t, norm2(hidden).relu()))
  }
}

/// Averages each channel over space: [N, C, H, W] → [N, C, 1, 1] (`AdaptiveAvgPool2d((1, 1))`).
private final class SDEGlobalAveragePool: Module, UnaryLayer {
  func callAsFunction(_ x: Tensor) -> Tensor { adaptiveAvgPool2d(x, outputSize: (1, 1)) }
}

/// [N, ...] → [N, rest]; a layer of its own so the Sequential indices match PyTorch's names.
private final class SDEFlatten: Module, UnaryLayer {
  func callAsFunction(_ x: Tensor) -> Tensor { x.flatten(from: 1) }
}

// MARK: Training

/// The two optimisers of the official training script (`SDE-Net/MNIST/sdenet_mnist.py`).
public struct SDENetOptimizers {
  /// SGD over the downsampling layers, drift and head (`optimizer_F`: lr 0.1).
  public let drift: SGD
  /// SGD over the diffusion net (`optimizer_G`: lr 0.01).
  public let diffusion: SGD

  /// Both with momentum 0.9 and weight decay 5·10⁻⁴, as in the official script.
  public init(
    model: SDENet, driftLearningRate: Double = 0.1, diffusionLearningRate: Double = 0.01, momentum: Double = 0.9,
    weightDecay: Double = 5e-4
  ) {
    let driftGroups = [model.downsamplingLayers, model.drift, model.fcLayers].map {
      ParameterGroup($0.parameters(), learningRate: driftLearningRate, weightDecay: weightDecay)
    }
    drift = SGD(groups: driftGroups, momentum: momentum)
    diffusion = SGD(
      model.diffusion.parameters(), learningRate: diffusionLearningRate, momentum: momentum, weightDecay: weightDecay)
  }

  /// Per-epoch learning-rate factors of `optimizer_F`: ×0.1 after epochs 10, 20 and 30 (the
  /// script decays at the end of those epochs, so the new rate starts at epoch index 11, ...).
  public static let driftSchedule = LearningRateSchedule.multiStep(milestones: [11, 21, 31], gamma: 0.1)
  /// Per-epoch learning-rate factors of `optimizer_G`: ×0.1 after epochs 15 and 30.
  public static let diffusionSchedule = LearningRateSchedule.multiStep(milestones: [16, 31], gamma: 0.1)
  /// Epochs and batch size of the official MNIST run (`--epochs 40`, `--batch_size 128`).
  public static let epochs = 40
  public static let batchSize = 128
}

extension SDENetOptimizers {
  /// Both optimisers under the names the training step and the checkpoint use ("drift",
  /// "diffusion"), with the official schedules unless others are given.
  public func named(
    drift driftSchedule: LearningRateSchedule = Self.driftSchedule,
    diffusion diffusionSchedule: LearningRateSchedule = Self.diffusionSchedule
  ) -> Optimizers {
    Optimizers([
      NamedOptimizer(name: SDENet.driftOptimizer, drift, schedule: driftSchedule),
      NamedOptimizer(name: SDENet.diffusionOptimizer, diffusion, schedule: diffusionSchedule),
    ])
  }
}

/// The official alternating step: a cross-entropy step of the drift optimiser, then one step of
/// the diffusion optimiser on the summed BCE of g (0 on x, 1 on x + 2·N(0, I)). Its terms: the
/// cross-entropy of the drift half, then the two BCEs.
extension SDENet: Objective {
  /// Names of the two optimisers in `Optimizers` and in checkpoints.
  public static let driftOptimizer = "drift"
  public static let diffusionOptimizer = "diffusion"

  /// Standard deviation of the Gaussian noise added to a batch to make the diffusion net's
  /// out-of-distribution inputs (`2*torch.randn(...) + inputs`, on pixels in [0, 1]).
  public static let outOfDistributionNoise = 2.0

  public func step(_ batch: LabelledBatch, optimizers: Optimizers) -> LossTerms {
    train()
    let classification = crossEntropy(logits: logits(batch.x), targets: batch.labels)
    optimizers.minimize(classification, with: Self.driftOptimizer)
    let (inside, outside) = diffusionStep(batch.x, optimizer: optimizers[Self.diffusionOptimizer])
    return ["classification": classification.item(), "in_distribution": inside, "out_of_distribution": outside]
  }

  /// One diffusion-net step: BCE(g(x), 0) + BCE(g(x + 2ε), 1), gradients accumulated from both
  /// halves before a single step, as in the official script; returns the two losses.
  @discardableResult
  public func diffusionStep(_ x: Tensor, optimizer: Optimizer) -> (inDistribution: Double, outOfDistribution: Double) {
    train()
    optimizer.zeroGrad()
    let inside = diffusion(x)
    let insideLoss = binaryCrossEntropy(probabilities: inside, targets: Tensor.zeros(like: inside))
    insideLoss.backward()
    let noised = x + Tensor.randn(x.shape, dtype: x.dtype) * Self.outOfDistributionNoise
    let outside = diffusion(noised)
    let outsideLoss = binaryCrossEntropy(probabilities: outside, targets: Tensor.ones(like: outside))
    outsideLoss.backward()
    optimizer.step()
    return (insideLoss.item(), outsideLoss.item())
  }
}
