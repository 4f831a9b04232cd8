import Foundation
import ImageData
import NN
import SelfSupervised
import Testing
import Torch
import Training

struct RotationTests {
  struct Fixture: Decodable {
    struct Rotation: Decodable {
      let shape: [Int]
      let values: [Double]
    }
    let shape: [Int]
    let rotations: [String: Rotation]
  }

  /// Rotations.rot90 against `torch.rot90(x, k, (2, 3))` (Benchmarks/reference/rot90_reference.py)
  /// on a non-square batch, so a clockwise turn or a plain transpose fails.
  @Test func rot90MatchesPyTorch() throws {
    let url = try #require(Bundle.module.url(forResource: "rot90", withExtension: "json", subdirectory: "Fixtures"))
    let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    let x = Tensor.arange(Double(fixture.shape.reduce(1, *)), dtype: .float32).reshape(fixture.shape)
    #expect(fixture.rotations.count == 6)
    for (k, expected) in fixture.rotations {
      let r = Rotations.rot90(x, Int(k)!)
      #expect(r.shape == expected.shape, "k = \(k)")
      #expect(r.contiguous().toArray(Double.self) == expected.values, "k = \(k)")
    }
  }

  /// A hand-built quarter turn: [[0, 1, 2], [3, 4, 5]] counter-clockwise is [[2, 5], [1, 4], [0, 3]].
  @Test func quarterTurnByHand() {
    let x = Tensor([0, 1, 2, 3, 4, 5] as [Float], shape: [1, 1, 2, 3])
    #expect(Rotations.rot90(x, 1).contiguous().toArray(Float.self) == [2, 5, 1, 4, 0, 3])
  }
}

struct SLAInferenceTests {
  /// N = 2 classes, M = 2 copies, one image: rows are copies 0 and 1, column y·M + j.
  static var joint: Tensor { Tensor([1, 2, 3, 4, 5, 6, 7, 8] as [Float], shape: [2, 4]) }

  /// AG averages z_{y,j}(t_j x): class 0 takes row 0 column 0 and row 1 column 1 → (1 + 6) / 2;
  /// class 1 row 0 column 2 and row 1 column 3 → (3 + 8) / 2. Reading the class-major layout
  /// (y + N·j) or every copy's own-class columns would give other numbers.
  @Test func aggregatedInferenceByHand() {
    let ag = SLAClassifier<TinyFeatures>.aggregatedInference(jointLogits: Self.joint, copies: 2)
    #expect(ag.shape == [1, 2])
    #expect(ag.toArray(Float.self) == [3.5, 5.5])
  }

  /// Two images, three copies, two classes: each image's aggregate uses only its own rows.
  @Test func aggregatedInferenceKeepsImagesApart() {
    // Row b·3 + j, column y·3 + j' holds 100·b + 10·j + (y·3 + j').
    var values: [Float] = []
    for b in 0..<2 { for j in 0..<3 { for c in 0..<6 { values.append(Float(100 * b + 10 * j + c)) } } }
    let ag = SLAClassifier<TinyFeatures>.aggregatedInference(jointLogits: Tensor(values, shape: [6, 6]), copies: 3)
    // Class y of image b: mean over j of 100b + 10j + 3y + j = 100b + 3y + 11.
    #expect(ag.toArray(Float.self) == [11, 14, 111, 114])
  }

  /// SI keeps copy 0's columns 0, M, …: [1, 3].
  @Test func singleInferenceByHand() {
    let si = SLAClassifier<TinyFeatures>.singleInference(jointLogits: Self.joint.slice(dim: 0, end: 1), copies: 2)
    #expect(si.toArray(Float.self) == [1, 3])
  }

  /// SD's distillation term T² · KL(softmax(AG / T) ‖ softmax(u / T)) by hand, T = 1 and 2.
  @Test func distillationByHand() {
    let teacher = [3.5, 5.5], student = [0.0, 1.0]
    func softmax(_ z: [Double]) -> [Double] {
      let e = z.map { Foundation.exp($0) }
      return e.map { $0 / e.reduce(0, +) }
    }
    for t in [1.0, 2.0] {
      let p = softmax(teacher.map { $0 / t }), q = softmax(student.map { $0 / t })
      let expected = t * t * zip(p, q).map { $0 * (Foundation.log($0) - Foundation.log($1)) }.reduce(0, +)
      let got = SLAObjective<TinyFeatures>.distillationLoss(
        student: Tensor(student, shape: [1, 2], dtype: .float64), teacher: Tensor(teacher, shape: [1, 2], dtype: .float64),
        temperature: t
      ).item()
      #expect(Swift.abs(got - expected) < 1e-12, "T = \(t): \(got) vs \(expected)")
    }
  }

  /// SD's total is joint CE + single CE + distillation, and the aggregate is a detached teacher:
  /// the distillation term sends no gradient to the joint head.
  @Test func selfDistillationLossTerms() {
    Torch.manualSeed(3)
    let model = SLAClassifier(features: TinyFeatures(inputs: 64, width: 8), featureSize: 8, classes: 2)
    let batch = rotatedCopies(templateImages(count: 4, classes: 2, noise: 0.1, seed: 3))
    let (total, terms) = SLAObjective(model, selfDistillation: true).losses(batch)
    #expect(terms.map(\.0) == ["joint", "single", "distillation"])
    let sum = terms.map { $0.1.item() }.reduce(0, +)
    #expect(Swift.abs(total.item() - sum) < 1e-5)
    let g = grad(of: [terms[2].1], wrt: [model.single.weight, model.joint.weight], retainGraph: true)
    #expect(g[0].abs().sum().item() > 0)
    #expect(g[1].abs().sum().item() == 0)
    // The joint CE's layout: model logits at the joint labels.
    let joint = crossEntropy(logits: model(batch.x), targets: batch.jointLabels).item()
    #expect(Swift.abs(joint - terms[0].1.item()) < 1e-6)
  }
}

struct SLALearningTests {
  /// On two noisy 8 × 8 templates, 80 SLA steps make AG classify held-out images (≥ 0.9) far
  /// better than the untrained network's AG.
  @Test func slaLearnsTemplates() throws {
    let test = templateImages(count: 200, classes: 2, noise: 0.3, seed: 11)
    Torch.manualSeed(7)
    let model = SLAClassifier(features: TinyFeatures(inputs: 64, width: 32), featureSize: 32, classes: 2)
    let untrained = accuracy(model.aggregatedLogits(test.x, transforms: Rotations.quarterTurns), test.labels)
    let objective = SLAObjective(model, selfDistillation: true)
    let optimizers = Optimizers(Adam(model.parameters(), learningRate: 1e-2))
    let train = templateImages(count: 512, classes: 2, noise: 0.3, seed: 11)
    for step in 0..<80 {
      let start = (step * 32) % 512
      let batch = LabelledBatch(x: train.x.slice(dim: 0, start: start, end: start + 32), labels: train.labels.slice(dim: 0, start: start, end: start + 32))
      _ = try objective.step(rotatedCopies(batch), optimizers: optimizers)
    }
    let ag = accuracy(model.aggregatedLogits(test.x, transforms: Rotations.quarterTurns), test.labels)
    let sd = accuracy(model.distilledLogits(test.x), test.labels)
    #expect(ag >= 0.9, "AG accuracy \(ag)")
    #expect(ag > untrained + 0.2, "AG \(ag) vs untrained \(untrained)")
    #expect(sd >= 0.85, "SD accuracy \(sd)")
  }

  /// The baselines train and their losses fall (DA labels every copy with its class; MT adds
  /// the rotation head).
  @Test(arguments: RotationBaselineClassifier<TinyFeatures>.Kind.allCases)
  func baselinesLearn(kind: RotationBaselineClassifier<TinyFeatures>.Kind) throws {
    Torch.manualSeed(5)
    let model = RotationBaselineClassifier(features: TinyFeatures(inputs: 64, width: 16), featureSize: 16, classes: 2)
    let objective = RotationBaselineObjective(model, kind: kind)
    let optimizers = Optimizers(Adam(model.parameters(), learningRate: 1e-2))
    let batch = rotatedCopies(templateImages(count: 32, classes: 2, noise: 0.1, seed: 5))
    let first = try objective.step(batch, optimizers: optimizers).loss
    var last = first
    for _ in 0..<30 { last = try objective.step(batch, optimizers: optimizers).loss }
    #expect(last < 0.5 * first, "\(kind): \(first) → \(last)")
  }
}

struct SLAStepTests {
  /// Without SD the step trains the joint head and leaves the unused single head alone.
  @Test func stepWithoutSelfDistillation() throws {
    Torch.manualSeed(8)
    let model = SLAClassifier(features: TinyFeatures(inputs: 64, width: 8), featureSize: 8, classes: 2)
    let single = model.single.weight.detach().clone(), joint = model.joint.weight.detach().clone()
    let terms = try SLAObjective(model).step(
      rotatedCopies(templateImages(count: 8, classes: 2, noise: 0.1, seed: 8)),
      optimizers: Optimizers(Adam(model.parameters(), learningRate: 1e-2)))
    #expect(terms.terms.map(\.name) == ["loss"])
    #expect((model.single.weight - single).abs().max().item() == 0)
    #expect((model.joint.weight - joint).abs().max().item() > 0)
  }
}
