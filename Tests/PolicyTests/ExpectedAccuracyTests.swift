import Testing
@testable import Policy

/// Expected accuracy at a temperature: reproducible by seed, sharper with
/// more samples, and the greedy evaluation at temperature 0.
@Suite("Expected accuracy at a temperature")
struct ExpectedAccuracyTests {
    static let config = TransformerConfig(contextLength: 40, width: 32, layers: 2, heads: 2)
    static let tasks = try! ArithmeticTasks.generate(seed: 3, count: 60, levels: [1], split: .train)

    /// Parameters of a tiny model warm-started on level-1 tasks until it is
    /// right some of the time at temperature 1, but far from always.
    static let partlyTrained: [Float] = {
        let model = try! TransformerModel(config: config, seed: 7, maxBatch: 8)
        let trainer = try! SupervisedTrainer(model: model, tasks: tasks, settings: .init(batchSize: 8, learningRate: 1e-2, seed: 7))
        for _ in 0..<300 { _ = trainer.trainStep() }
        return model.parameterValues()
    }()

    /// Each test gets its own model: a model is not thread-safe.
    static func model() throws -> TransformerModel {
        let model = try TransformerModel(config: config, seed: 1, maxBatch: 1)
        model.loadParameters(partlyTrained)
        return model
    }

    static let prompts = Array(tasks.prefix(24))

    @Test("the same seed gives the same figure bit for bit; another seed another")
    func reproducibleBySeed() throws {
        let model = try Self.model()
        let settings = ExpectedAccuracy.Settings(samplesPerPrompt: 8, temperature: 1, seed: 4, maxTokens: 40)
        let first = try ExpectedAccuracy.run(model: model, tasks: Self.prompts, settings: settings)
        let again = try ExpectedAccuracy.run(model: try Self.model(), tasks: Self.prompts, settings: settings)
        #expect(first == again)
        #expect(first.overall.mean.bitPattern == again.overall.mean.bitPattern)
        #expect(first.overall.mean > 0.05 && first.overall.mean < 0.95, "mean \(first.overall.mean)")

        var other = settings
        other.seed = 5
        let reseeded = try ExpectedAccuracy.run(model: model, tasks: Self.prompts, settings: other)
        #expect(reseeded.acceptedCounts != first.acceptedCounts)
        #expect(reseeded.overall.mean != first.overall.mean)
    }

    @Test("sample k of prompt i has its own seed: a prompt's samples do not depend on the prompts around it")
    func seedsPerPromptAndSample() throws {
        var seeds = Set<UInt64>()
        for prompt in 0..<50 {
            for sample in 0..<50 { seeds.insert(ExpectedAccuracy.sampleSeed(seed: 1, prompt: prompt, sample: sample)) }
        }
        #expect(seeds.count == 2500)
        #expect(ExpectedAccuracy.sampleSeed(seed: 1, prompt: 3, sample: 4) != ExpectedAccuracy.sampleSeed(seed: 2, prompt: 3, sample: 4))

        // The same prompt at the same position gets the same samples whatever follows it.
        let settings = ExpectedAccuracy.Settings(samplesPerPrompt: 16, temperature: 1, seed: 9, maxTokens: 40)
        let all = try ExpectedAccuracy.run(model: try Self.model(), tasks: Self.prompts, settings: settings)
        let prefix = try ExpectedAccuracy.run(model: try Self.model(), tasks: Array(Self.prompts.prefix(5)), settings: settings)
        #expect(Array(all.acceptedCounts.prefix(5)) == prefix.acceptedCounts)
    }

    @Test("on a fixed model, more samples per prompt give a smaller standard error")
    func moreSamplesSmallerError() throws {
        let model = try Self.model()
        let one = try ExpectedAccuracy.run(
            model: model, tasks: Self.prompts, settings: .init(samplesPerPrompt: 1, temperature: 1, seed: 2, maxTokens: 40))
        let many = try ExpectedAccuracy.run(
            model: model, tasks: Self.prompts, settings: .init(samplesPerPrompt: 32, temperature: 1, seed: 2, maxTokens: 40))
        let small = try #require(many.overall.standardError), large = try #require(one.overall.standardError)
        #expect(small < large, "K = 32: \(small), K = 1: \(large)")
        #expect(many.acceptedCounts.allSatisfy { (0...32).contains($0) })
        // The estimate itself is the mean of the per-prompt accuracies.
        #expect(abs(many.overall.mean - many.promptAccuracies.reduce(0, +) / 24) < 1e-12)
    }

    @Test("the standard error is the sample standard deviation of per-prompt accuracies over the square root of prompts")
    func standardErrorDefinition() {
        let estimate = ExpectedAccuracy.Estimate([0, 0.5, 1, 0.5])
        #expect(estimate.prompts == 4 && estimate.mean == 0.5)
        // Sample variance (0.25 + 0 + 0.25 + 0) / 3; its mean's standard error √(1/6 / 4).
        #expect(abs(estimate.standardError! - (1.0 / 24).squareRoot()) < 1e-15)
        #expect(ExpectedAccuracy.Estimate([0.3]).standardError == nil)
        #expect(ExpectedAccuracy.Estimate([]).mean == 0)
    }

    @Test("at temperature 0 it is the greedy evaluation, prompt by prompt and level by level")
    func greedyAtZero() throws {
        let model = try Self.model()
        let tasks = Self.prompts + (try ArithmeticTasks.generate(seed: 3, count: 6, levels: [2], split: .test))
        let greedy = try TaskEvaluation.run(model: model, tasks: tasks, maxNewTokens: 40)
        let expected = try ExpectedAccuracy.run(
            model: model, tasks: tasks, settings: .init(samplesPerPrompt: 2, temperature: 0, seed: 1, maxTokens: 40))
        #expect(expected.acceptedCounts.allSatisfy { $0 == 0 || $0 == 2 })
        #expect(expected.acceptedCounts.filter { $0 == 2 }.count == greedy.correct)
        #expect(expected.levels.map(\.level) == greedy.levels.map(\.level))
        #expect(expected.levels.map(\.estimate.mean) == greedy.levels.map(\.accuracy))
        #expect(expected.levels.map(\.accepted) == greedy.levels.map { 2 * $0.correct })
    }

    @Test("a prompt the model cannot read counts as wrong; bad settings are refused naming the field")
    func unreadableAndBadSettings() throws {
        let model = try Self.model()
        let items = [TaskEvaluation.Item(prompt: nil, gold: "5", level: 1), TaskEvaluation.Item(prompt: [], gold: "5", level: 1)]
        let result = try ExpectedAccuracy.run(model: model, items: items, settings: .init(samplesPerPrompt: 3, seed: 1))
        #expect(result.acceptedCounts == [0, 0] && result.overall.mean == 0)
        #expect(throws: SamplerError(field: "samplesPerPrompt", problem: "must be at least 1, got 0")) {
            try ExpectedAccuracy.run(model: model, items: items, settings: .init(samplesPerPrompt: 0, seed: 1))
        }
        #expect(throws: SamplerError.self) {
            try ExpectedAccuracy.run(model: model, tasks: Self.prompts, settings: .init(samplesPerPrompt: 1, temperature: -1, seed: 1))
        }
    }
}
