import Foundation

/// A learning-rate multiplier as a function of the step (or epoch) count.
public enum LearningRateSchedule: Sendable {
  /// Multiply by `gamma` every `stepSize` steps (StepLR).
  case step(stepSize: Int, gamma: Double)
  /// Multiply by `gamma` at each milestone (MultiStepLR).
  case multiStep(milestones: [Int], gamma: Double)
  /// Cosine from 1 down to `minimumFactor` over `totalSteps` (CosineAnnealingLR).
  case cosine(totalSteps: Int, minimumFactor: Double = 0)
  /// Smooth exponential decay from 1 to `finalFactor` over `totalSteps`, then constant
  /// (the Neural Process Family's `decay_lr`: ExponentialLR reaching 1/decay at the end).
  case exponential(totalSteps: Int, finalFactor: Double)
  /// Linear ramp from `startFactor` to 1 over `warmupSteps`, then `then`.
  indirect case linearWarmup(warmupSteps: Int, startFactor: Double = 0, then: LearningRateSchedule)
  case constant

  /// The multiplier of the initial learning rate at `step` (0-based).
  public func factor(at step: Int) -> Double {
    switch self {
    case .step(let stepSize, let gamma):
      return pow(gamma, Double(step / stepSize))
    case .multiStep(let milestones, let gamma):
      return pow(gamma, Double(milestones.filter { $0 <= step }.count))
    case .cosine(let total, let minimum):
      let progress = Double(Swift.min(step, total)) / Double(Swift.max(total, 1))
      return minimum + (1 - minimum) * (1 + cos(Double.pi * progress)) / 2
    case .exponential(let total, let final):
      return pow(final, Double(Swift.min(step, total)) / Double(Swift.max(total, 1)))
    case .linearWarmup(let warmup, let start, let then):
      if step < warmup { return start + (1 - start) * Double(step) / Double(warmup) }
      return then.factor(at: step - warmup)
    case .constant:
      return 1
    }
  }

  /// Sets each group's learning rate to its initial rate times `factor(at: step)`.
  public func apply(to optimizer: Optimizer, step: Int) {
    let factor = factor(at: step)
    for group in optimizer.groups { group.learningRate = group.initialLearningRate * factor }
  }
}
