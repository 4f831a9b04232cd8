import Foundation
import NN
import Testing
import Torch
import Uncertainty

@Suite(.serialized) struct ClassifierTests {
  @Test func certaintyMeasures() {
    let p = Tensor([0.5, 0.5, 1, 0, 0.9, 0.1] as [Double], shape: [3, 2], dtype: .float64)
    let h = -(0.9 * Foundation.log(0.9) + 0.1 * Foundation.log(0.1))
    let entropyCertainty = CertaintyMeasure.entropy(p).toArray(Double.self)
    for (value, expected) in zip(entropyCertainty, [0, 1, 1 - h / Foundation.log(2)]) {
      #expect(abs(value - expected) < 1e-9)
    }
    #expect(CertaintyMeasure.maxProbability(p).toArray(Double.self) == [0.5, 1, 0.9])
  }

  @Test func ensemblePredictsTheMeanOfDifferentMembers() {
    let ensemble = DeepEnsemble(count: 3, seed: 5) { SoftmaxClassifier(Linear(2, 4)) }
    let x = Tensor.randn([6, 2])
    let members = ensemble.members.map { $0.probabilities(x) }
    let mean = (members[0] + members[1] + members[2]) / 3
    #expect((ensemble.probabilities(x) - mean).abs().max().item() < 1e-6)
    #expect((members[0] - members[1]).abs().max().item() > 1e-3)
    #expect(ensemble.namedParameters().map(\.name).contains("members.2.network.weight"))
    let prediction = ensemble.predict(x)
    #expect(prediction.classes.toArray(Int.self) == mean.argmax(dim: 1).toArray(Int.self))
  }
}
