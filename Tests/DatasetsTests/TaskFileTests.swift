import Datasets
import Foundation
import Testing
import Torch

struct TaskFileTests {
  func temporary(_ name: String, _ contents: String? = nil) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("penumbra-\(UUID().uuidString)-\(name)")
    if let contents { try! contents.write(to: url, atomically: true, encoding: .utf8) }
    return url
  }

  @Test func roundTripKeepsEveryTask() throws {
    Torch.manualSeed(0)
    let sampler = GPCurveSampler(protocol: .npf, kernel: .eq)
    let batch = sampler.sample(batchSize: 5)
    let tasks = TaskFile.tasks(context: batch.context, target: batch.target, xScale: sampler.xScale)
    let url = temporary("tasks.jsonl")
    try TaskFile.write(tasks, to: url)
    let read = try TaskFile.read(url)
    #expect(read == tasks)
    let rebuilt = sampler.batch(from: read)
    #expect((rebuilt.target.x - batch.target.x).abs().max().item() < 1e-12)
    #expect(rebuilt.context.counts == batch.context.counts)
  }

  @Test func malformedLineIsReportedWithItsNumber() {
    let url = temporary(
      "bad.jsonl",
      """
      {"x_context": [0.1], "y_context": [1.0], "x_target": [0.1, 0.2], "y_target": [1.0, 2.0]}

      {"x_context": [0.1, 0.3], "y_context": [1.0], "x_target": [0.2], "y_target": [2.0]}
      """)
    #expect {
      try TaskFile.read(url)
    } throws: { error in
      let text = String(describing: error)
      return text.contains(":3:") && text.contains("x_context has 2 points but y_context has 1")
    }
    let garbage = temporary("garbage.jsonl", "{\"x_context\": [1], \"y_context\": \"oops\"}\n")
    #expect { try TaskFile.read(garbage) } throws: { String(describing: $0).contains(":1:") }
  }

  @Test func csvErrorsNameTheLine() throws {
    let good = temporary("good.csv", "x,y\n0.5,1\n# a comment\n1.5,2\n")
    let points = try PointsCSV.read(good)
    #expect(points.x == [0.5, 1.5] && points.y == [1, 2])
    let bad = temporary("bad.csv", "x,y\n0.5,1\n1.5,abc\n")
    #expect { try PointsCSV.read(bad) } throws: { String(describing: $0).contains(":3:") }
    let wide = temporary("wide.csv", "1,2,3\n")
    #expect { try PointsCSV.read(wide) } throws: { String(describing: $0).contains("expected 2 columns") }
  }
}
