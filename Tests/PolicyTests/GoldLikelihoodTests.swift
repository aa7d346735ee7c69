import Testing
@testable import Policy

/// The gold chain of thought's teacher-forced log-likelihood.
@Suite("Gold chain-of-thought log-likelihood")
struct GoldLikelihoodTests {
    static let config = TransformerConfig(contextLength: 48, width: 32, layers: 2, heads: 2)
    static let tasks = try! ArithmeticTasks.generate(seed: 4, count: 12, levels: [1, 2], split: .test)

    /// log p of each solution token and end of text, one task per forward pass.
    static func oneByOne(_ model: TransformerModel, _ task: ArithmeticTask) throws -> Double {
        let prompt = try Vocabulary.encode(task.prompt)
        let response = try Vocabulary.encode(task.solution) + [Vocabulary.endOfText]
        let batch = TokenBatch(prompts: [prompt], responses: [response])
        let logProbabilities = model.forward(batch: batch)
        return batch.responseTargetRanges[0].reduce(0.0) { $0 + Double(logProbabilities[$1]) }
    }

    @Test("it is the sum over solution and end of text, whatever the batching, per task and per token")
    func sumsResponseTokens() throws {
        let batched = try TransformerModel(config: Self.config, seed: 3, maxBatch: 5)
        let single = try TransformerModel(config: Self.config, seed: 3, maxBatch: 1)
        let result = GoldLikelihood.run(model: batched, tasks: Self.tasks)
        #expect(result.unscored == 0 && result.overall.tasks == 12)
        let direct = try Self.tasks.map { try Self.oneByOne(single, $0) }
        for (value, expected) in zip(result.perTask, direct) {
            #expect(abs(value! - expected) <= 1e-4 * abs(expected), "\(value!) vs \(expected)")
        }
        let tokens = Self.tasks.reduce(0) { $0 + $1.solution.utf8.count + 1 }
        #expect(result.overall.tokens == tokens)
        let total = result.perTask.reduce(0) { $0 + $1! }
        #expect(abs(result.overall.meanPerTask - total / 12) < 1e-9)
        #expect(abs(result.overall.meanPerToken - total / Double(tokens)) < 1e-9)
        #expect(result.levels.map(\.level) == [1, 2] && result.levels.map(\.summary.tasks) == [6, 6])
        #expect(result.overall.meanPerToken < 0)
        // Deterministic: no decoding.
        #expect(GoldLikelihood.run(model: batched, tasks: Self.tasks) == result)
    }

    @Test("training on the gold traces raises it")
    func risesWithTraining() throws {
        let model = try TransformerModel(config: Self.config, seed: 3, maxBatch: 6)
        let before = GoldLikelihood.run(model: model, tasks: Self.tasks)
        let trainer = try SupervisedTrainer(model: model, tasks: Self.tasks, settings: .init(batchSize: 6, learningRate: 1e-2, warmupSteps: 10, seed: 5))
        for _ in 0..<60 { _ = trainer.trainStep() }
        let after = GoldLikelihood.run(model: model, tasks: Self.tasks)
        #expect(after.overall.meanPerToken > before.overall.meanPerToken + 0.5,
                "\(before.overall.meanPerToken) -> \(after.overall.meanPerToken)")
    }

    @Test("tasks that do not fit the context or cannot be read are left out and counted")
    func unscored() throws {
        let model = try TransformerModel(config: TransformerConfig(contextLength: 32, width: 16, layers: 1, heads: 2), seed: 1, maxBatch: 4)
        let short = ArithmeticTask(level: 1, problem: "2+3=?", solution: "2+3+0=5 r5\n\\boxed{5}", answer: "5")
        let long = Self.tasks.first { $0.level == 2 && $0.sequenceLength > 33 }!
        let result = GoldLikelihood.run(model: model, tasks: [short, long])
        #expect(result.perTask[0] != nil && result.perTask[1] == nil)
        #expect(result.unscored == 1 && result.overall.tasks == 1)
        let unreadable = GoldLikelihood.run(model: model, items: [GoldLikelihood.Item(prompt: nil, response: [1], level: nil)])
        #expect(unreadable.unscored == 1 && unreadable.overall.tasks == 0 && unreadable.overall.meanPerTask == 0)
    }
}
