import Foundation
import NN
import Testing
import Torch
import Training

@testable import SemiSupervised

/// DS3L's step against an independent PyTorch implementation of the official algorithm
/// (Benchmarks/reference/ds3l_reference.py, guolz-ml/DS3L train.py `bi_train`): same weights,
/// same batch, the same fixed dropout masks pass by pass, float64 throughout.
@Suite struct DS3LReferenceTests {
  /// Builds the fixture's model and weight network; returns the objective and its optimisers.
  func ds3l(_ fixture: ReferenceFixture) throws -> (DS3L, Optimizers, SemiSupervisedBatch) {
    let hyper = try fixture.input("hyper").toArray(Double.self)
    let (eta, lambdaMax, warmup, step, weightsLR, modelLR, classes) =
      (hyper[0], hyper[1], Int(hyper[2]), Int(hyper[3]), hyper[4], hyper[5], Int(hyper[6]))
    let masks = try fixture.input("masks")
    let network = MaskedMLP(
      features: 4, hidden: masks.size(2), classes: classes, masks: (0..<masks.size(0)).map { masks[$0] })
    let objective = DS3L(
      network: network, classes: classes, ramp: RampUp(maximum: lambdaMax, warmupSteps: warmup), virtualLearningRate: eta)
    objective.to(.float64)
    var state: [String: Tensor] = [:]
    for name in ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"] {
      state["network.\(name)"] = try fixture.input("model.\(name)")
    }
    for name in ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"] {
      state["weight_network.\(name)"] = try fixture.input("weights.\(name)")
    }
    try objective.loadStateDict(state)
    objective.prepare(forStep: step)
    let optimizers = Optimizers([
      NamedOptimizer(name: "model", SGD(network.parameters(), learningRate: modelLR)),
      NamedOptimizer(name: "weights", Adam(objective.weightNetwork.parameters(), learningRate: weightsLR)),
    ])
    let batch = SemiSupervisedBatch(
      labelled: LabelledBatch(x: try fixture.input("x_l"), labels: try fixture.input("y_l", dtype: .int64)),
      unlabelled: try fixture.input("x_u"))
    return (objective, optimizers, batch)
  }

  @Test func metaGradientAndUpdatesMatchPyTorch() throws {
    let fixture = try ReferenceFixture.load("ds3l_reference")
    let (objective, optimizers, batch) = try ds3l(fixture)
    let terms = objective.step(batch, optimizers: optimizers)
    #expect((objective.network as! MaskedMLP).masks.calls == 5)
    // The weight network's gradient is the meta-gradient ∇α CE(f_θ̂(α)(x_l), y): far inside 1e-5.
    for (name, parameter) in objective.weightNetwork.namedParameters() {
      let gradient = try #require(parameter.grad, "no gradient on \(name)")
      fixture.check(gradient, "grad.weights.\(name)", tolerance: 1e-9)
      fixture.check(parameter, "after.weights.\(name)", tolerance: 1e-9)
    }
    for (name, parameter) in objective.network.namedParameters() {
      fixture.check(parameter, "after.model.\(name)", tolerance: 1e-9)
    }
    fixture.check(Tensor([terms["meta"]!], shape: [], dtype: .float64), "meta_loss", tolerance: 1e-9)
    fixture.check(Tensor([terms.loss], shape: [], dtype: .float64), "model_loss", tolerance: 1e-9)
    fixture.check(Tensor([terms["mean_weight"]!], shape: [], dtype: .float64), "mean_weight", tolerance: 1e-9)
  }

  /// The meta-gradient is not negligible next to the tolerance, so the comparison above can fail.
  @Test func metaGradientIsLargeAgainstTheTolerance() throws {
    let fixture = try ReferenceFixture.load("ds3l_reference")
    let largest = fixture.expected.filter { $0.key.hasPrefix("grad.") }.flatMap(\.value.values).map(Swift.abs).max()!
    #expect(largest > 1e-3)
  }
}
