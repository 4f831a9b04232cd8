import NN
import Torch
import Training

/// DS3L's weight network w_α (Guo et al. 2020; guolz-ml/DS3L wideresnet.py `WNet`, built as
/// `WNet(6, 100, 1)` in train.py): Linear(classes → 100), ReLU, Linear(100 → 1), sigmoid, fed
/// an unlabelled example's softmax prediction, giving that example's weight in (0, 1). Layers
/// keep PyTorch's default initialisation, as `MetaLinear` copies `nn.Linear`'s.
public final class DS3LWeightNetwork: Module, UnaryLayer {
  public let linear1: Linear
  public let linear2: Linear

  public init(classes: Int, hidden: Int = 100) {
    precondition(classes >= 2 && hidden >= 1, "a weight network needs ≥ 2 classes and a hidden layer, got \(classes), \(hidden)")
    linear1 = Linear(classes, hidden)
    linear2 = Linear(hidden, 1)
  }

  /// Weights [N, 1] of class probabilities [N, classes].
  public func callAsFunction(_ probabilities: Tensor) -> Tensor { linear2(linear1(probabilities).relu()).sigmoid() }
}

/// DS3L (Guo, Zhang, Jiang, Li and Li, "Safe Deep Semi-Supervised Learning for Unseen-Class
/// Unlabeled Data", ICML 2020): a Π-model whose unlabelled examples are weighted by a weight
/// network trained, by a meta-gradient through one virtual step of the classifier, to make the
/// labelled loss fall; unlabelled data from unseen classes, which would hurt, get low weights.
///
/// One step, as the official code's `bi_train` (guolz-ml/DS3L train.py) does it, on the
/// labelled rows followed by the unlabelled rows x = [x_l; x_u] (B = L + U rows):
///
/// 1. Virtual step. Two stochastic passes over x; ℓ_u = mean_k (softmax(f₂(x_u)) −
///    softmax(f₁(x_u)))², the first pass's gradient stopped (`MSE_Loss`: the second pass is the
///    student); w_u = w_α(softmax(f₁(x_u))), the input *not* detached (train.py:
///    `wnet(out.softmax(1)[len(l_labels):])`), so ∇θ also runs through the weights;
///    L̂ = Σ_l CE / B + λ(t) · Σ_u w_u ℓ_u / Σ_u w_u (the weighted sum divided by the scalar
///    weight sum, or undivided when that sum is 0; the labelled cross-entropy summed over the
///    labelled rows and divided by the whole batch, train.py's `F.cross_entropy(out, labels,
///    reduction='none', ignore_index=-1).mean()` over labels with −1 on unlabelled rows);
///    θ̂(α) = θ − η ∇θ L̂ with the graph kept (`meta_net.update_params(lr_inner=args.meta_lr)`,
///    η = 0.001).
/// 2. Weight step. α ← Adam step on ∇α CE(f_θ̂(α)(x_l), y), the mean over the labelled batch,
///    with the network still in training mode (`optimizer_wnet`, Adam, lr 6e-5 `--lr_wnet`;
///    the named optimiser "weights").
/// 3. Model step. Two fresh passes of the classifier at θ, the weights of the *updated*
///    weight network computed without gradient, the same loss, one step of the named optimiser
///    "model" (SGD, lr 1e-3, no momentum, for MNIST in train.py; Adam 3e-4 for CIFAR-10).
///
/// λ(t) = 10 · exp(−5 (1 − min(t / 200,000, 1))²) in train.py (`coef`, `--warmup 200000`);
/// the loop gives t through `prepare(forStep:)`. The virtual passes run on a copy of the model
/// there (`meta_net`), whose batch-norm statistics are thrown away; here they leave the
/// statistics alone. The model step's two passes both update them, as the official ones do.
/// train.py uses 50 labelled and 50 unlabelled examples a step (`--l_batch_size 100 // 2`).
public final class DS3L: Module, Objective {
  public let network: any UnaryLayer
  public let weightNetwork: DS3LWeightNetwork
  /// λ(t) of the weighted consistency loss.
  public var ramp: RampUp
  /// η, the learning rate of the virtual SGD step.
  public var virtualLearningRate: Double
  /// The step the loop last prepared (1-based), the ramp's clock.
  public private(set) var currentStep = 0

  /// The official code's ramp: λ_max 10 over 200,000 steps.
  public static let referenceRamp = RampUp(maximum: 10, warmupSteps: 200_000)

  public init(
    network: any UnaryLayer, classes: Int, ramp: RampUp = referenceRamp, virtualLearningRate: Double = 1e-3
  ) {
    precondition(virtualLearningRate > 0, "DS3L's virtual learning rate must be positive, got \(virtualLearningRate)")
    self.network = network
    weightNetwork = DS3LWeightNetwork(classes: classes)
    self.ramp = ramp
    self.virtualLearningRate = virtualLearningRate
  }

  public func prepare(forStep step: Int) { currentStep = step }

  /// Logits [N, classes] of one pass of the classifier.
  public func callAsFunction(_ x: Tensor) -> Tensor { network(x) }

  /// The learned weights [N] of inputs `x` (the classifier and the weight network in
  /// evaluation mode, no gradient): what `penumbra ssl eval` averages over seen-class and
  /// unseen-class unlabelled data.
  public func weights(_ x: Tensor) -> Tensor {
    let wasTraining = isTraining
    eval()
    defer { train(wasTraining) }
    return weights(probabilities: withNoGrad { network(x).softmax(dim: 1) })
  }

  /// The learned weights [N] of the classifier's class probabilities [N, classes] (no gradient).
  public func weights(probabilities: Tensor) -> Tensor { withNoGrad { weightNetwork(probabilities).squeeze(1) } }

  /// L̂ of two passes over `inputs` (labelled rows first): the labelled cross-entropy over the
  /// batch size, plus λ · Σ w ℓ / Σ w over the unlabelled rows. `weightsHeld` computes the
  /// weights without gradient (the model step).
  func loss(
    inputs: Tensor, labels: Tensor, weight lambda: Double, weightsHeld: Bool
  ) -> (total: Tensor, classification: Tensor, consistency: Tensor, weights: Tensor) {
    let labelledCount = labels.size(0)
    let rows = labelledCount..<inputs.size(0)
    let first = network(inputs)
    let second = network(inputs)
    let consistency = PiModel.squaredDifference(student: second[rows], target: first[rows])
    let probabilities = first[rows].softmax(dim: 1)
    let weights = weightsHeld ? withNoGrad { weightNetwork(probabilities) } : weightNetwork(probabilities)
    let weightSum = weights.sum()
    var weighted = (consistency.unsqueeze(1) * weights).sum()
    if weightSum.item() != 0 { weighted = weighted / weightSum }
    let classification =
      crossEntropy(logits: first[0..<labelledCount], targets: labels, reduction: .sum) / Double(inputs.size(0))
    return (classification + lambda * weighted, classification, weighted, weights)
  }

  /// The meta-gradient's loss: the labelled cross-entropy after the virtual step θ̂(α), a
  /// function of α (steps 1 and 2 before the weight optimiser's step).
  public func metaLoss(_ batch: SemiSupervisedBatch) -> Tensor {
    let inputs = Tensor.cat([batch.labelled.x, batch.unlabelled])
    let virtual = withoutUpdatingBatchStatistics(of: network) { () -> Tensor in
      let inner = loss(inputs: inputs, labels: batch.labelled.labels, weight: ramp(currentStep), weightsHeld: false)
      let stepped = network.virtualSGDStep(inner.total, learningRate: virtualLearningRate)
      return network.functionalCall(stepped) { network(batch.labelled.x) }
    }
    return crossEntropy(logits: virtual, targets: batch.labelled.labels)
  }

  /// One DS3L step: the weight network's step on the meta-gradient ("weights"), then the
  /// classifier's on the weighted loss ("model").
  public func step(_ batch: SemiSupervisedBatch, optimizers: Optimizers) -> LossTerms {
    train()
    let meta = metaLoss(batch)
    optimizers.minimize([("weights", meta)])
    let lambda = ramp(currentStep)
    let inputs = Tensor.cat([batch.labelled.x, batch.unlabelled])
    let model = loss(inputs: inputs, labels: batch.labelled.labels, weight: lambda, weightsHeld: true)
    optimizers.minimize(model.total, with: "model")
    return [
      "loss": model.total.item(), "classification": model.classification.item(),
      "weighted_consistency": model.consistency.item(), "meta": meta.item(), "mean_weight": model.weights.mean().item(),
      "consistency_weight": lambda,
    ]
  }
}
