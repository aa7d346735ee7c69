import Testing
@testable import Policy

/// The warm start's trainer and the evaluation that reports its accuracy.
@Suite("Supervised warm start and evaluation")
struct SupervisedTrainerTests {
    static let tasks = [
        ArithmeticTask(level: 1, problem: "2+3=?", solution: "2+3+0=5 r5\n\\boxed{5}", answer: "5"),
        ArithmeticTask(level: 1, problem: "7+8=?", solution: "7+8+0=15 r15\n\\boxed{15}", answer: "15"),
        ArithmeticTask(level: 2, problem: "41-7=?", solution: "11-7-0=4 r4\n4-0-1=3 r34\n\\boxed{34}", answer: "34"),
    ]
    static let config = TransformerConfig(contextLength: 48, width: 32, layers: 2, heads: 2)

    @Test("training on a few gold traces makes greedy decoding solve them, level by level")
    func learnsGoldTraces() throws {
        let model = try TransformerModel(config: Self.config, seed: 3, maxBatch: 6)
        let before = try TaskEvaluation.run(model: model, tasks: Self.tasks)
        #expect(before.correct == 0)
        let trainer = try SupervisedTrainer(
            model: model, tasks: Self.tasks,
            settings: .init(batchSize: 6, learningRate: 1e-2, warmupSteps: 10, seed: 5))
        var last = trainer.trainStep()
        let first = last
        for _ in 0..<250 { last = trainer.trainStep() }
        #expect(last.loss < first.loss / 10, "loss \(first.loss) -> \(last.loss)")
        let after = try TaskEvaluation.run(model: model, tasks: Self.tasks)
        #expect(after.correct == 3)
        #expect(after.levels.map(\.level) == [1, 2])
        #expect(after.levels.map(\.tasks) == [2, 1])
        #expect(after.table.contains("  all      3        3    100.0%"))
    }

    @Test("a task longer than the context is refused up front")
    func refusesTooLong() throws {
        let model = try TransformerModel(config: TransformerConfig(contextLength: 16, width: 16, layers: 1, heads: 2), seed: 1, maxBatch: 2)
        #expect(throws: SamplerError.self) {
            _ = try SupervisedTrainer(model: model, tasks: Self.tasks, settings: .init(batchSize: 2))
        }
    }
}
