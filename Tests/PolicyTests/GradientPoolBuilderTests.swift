import Testing
@testable import Policy

/// The mechanism benchmark's pools: samples drawn as ExpectedAccuracy draws
/// them, exact norms that agree with sequenceGradientNorm, sketches of the
/// log-likelihood's gradient (not the loss's), and nothing for a prompt no
/// sample of which is accepted.
@Suite("Gradient pools")
struct GradientPoolBuilderTests {
    static let poolSize = 8, dimensions = 64, samplingSeed: UInt64 = 4, maxTokens = 40
    static let tasks = ExpectedAccuracyTests.prompts

    /// A model partly right at temperature 1 (ExpectedAccuracyTests trains
    /// it once for both suites); each test its own, a model is not thread-safe.
    static func model() throws -> TransformerModel {
        let model = try TransformerModel(config: ExpectedAccuracyTests.config, seed: 1, maxBatch: 1)
        model.loadParameters(ExpectedAccuracyTests.partlyTrained)
        return model
    }

    static func builder(_ model: TransformerModel) -> GradientPoolBuilder {
        GradientPoolBuilder(
            model: model, sketch: CountSketch(inputCount: model.parameterCount, dimensions: dimensions, seed: 1),
            poolSize: poolSize, samplingSeed: samplingSeed, maxTokens: maxTokens)
    }

    static func prompt(_ index: Int) throws -> [Int32] { try Vocabulary.encode(tasks[index].prompt) }

    /// The pool of the first task with an accepted sample, its index and its sketch rows.
    static func firstPoolWithGradients(_ builder: GradientPoolBuilder) throws -> (index: Int, pool: PromptGradientPool, rows: [Float]) {
        try #require(try poolWithGradients(builder), "no task had an accepted sample")
    }

    private static func poolWithGradients(_ builder: GradientPoolBuilder) throws -> (index: Int, pool: PromptGradientPool, rows: [Float])? {
        var rows = [Float](repeating: 0, count: poolSize * dimensions)
        for index in tasks.indices {
            let pool = try rows.withUnsafeMutableBufferPointer {
                try builder.build(prompt: try prompt(index), gold: tasks[index].answer, taskIndex: index, sketches: $0)
            }
            if pool.gradients { return (index, pool, rows) }
        }
        return nil
    }

    @Test("the samples and verdicts are ExpectedAccuracy's: same seeds, same cap, same verifier")
    func samplesAsExpectedAccuracyDrawsThem() throws {
        let builder = Self.builder(try Self.model())
        let (index, pool, _) = try Self.firstPoolWithGradients(builder)
        let expected = try ExpectedAccuracy.run(
            model: try Self.model(), tasks: Array(Self.tasks.prefix(index + 1)),
            settings: .init(samplesPerPrompt: Self.poolSize, temperature: 1, seed: Self.samplingSeed, maxTokens: Self.maxTokens))
        #expect(pool.accepted == expected.acceptedCounts[index] && pool.accepted > 0)
        #expect(pool.rewards.allSatisfy { $0 == 0 || $0 == 1 } && pool.rewards.count == Self.poolSize)
        // Tokens learned from: the sampled characters, end-of-text included when drawn (only ever last).
        for response in pool.responses {
            #expect(!response.isEmpty && !response.dropLast().contains(Vocabulary.endOfText))
        }
        #expect(pool.tokens == pool.responses.map(\.count))
        #expect(pool.responses.contains { $0.last == Vocabulary.endOfText })
    }

    @Test("norms equal sequenceGradientNorm per group; sketches are of ∇ log p, the negated loss gradient")
    func normsAndSketchSign() throws {
        let model = try Self.model()
        let builder = Self.builder(model)
        let (index, pool, rows) = try Self.firstPoolWithGradients(builder)
        let prompt = try Self.prompt(index)
        let reference = try Self.model()
        for (sample, response) in pool.responses.enumerated() {
            for (group, norm) in [(ParameterGroup.embedding, pool.normEmbedding), (.head, pool.normHead), (.all, pool.normAll)] {
                let expected = reference.sequenceGradientNorm(prompt: prompt, response: response, group: group)
                #expect(expected > 0 && abs(norm[sample] - expected) <= 1e-5 * expected, "sample \(sample), \(group)")
            }
            // A plain backward of −Σ log p through the public API, negated, then sketched.
            let batch = TokenBatch(prompts: [prompt], responses: [response])
            var weights = [Float](repeating: 0, count: batch.length)
            for t in batch.responseTargetRanges[0] { weights[t] = 1 }
            reference.forward(batch: batch)
            reference.zeroGradients()
            reference.backward(tokenWeights: weights)
            let logLikelihoodGradient = reference.gradientValues().map { -$0 }
            let expected = CountSketchTests.sketch(logLikelihoodGradient, builder.sketch)
            let row = Array(rows[(sample * Self.dimensions)..<((sample + 1) * Self.dimensions)])
            let scale = expected.map { abs($0) }.max()!
            #expect(scale > 0)
            #expect(zip(row, expected).allSatisfy { abs($0 - $1) <= 1e-5 * scale }, "sample \(sample)")
        }
    }

    @Test("the same seeds build the same pool and sketches; another sampling seed other samples")
    func reproducible() throws {
        let first = try Self.firstPoolWithGradients(Self.builder(try Self.model()))
        let again = try Self.firstPoolWithGradients(Self.builder(try Self.model()))
        #expect(first.index == again.index && first.pool == again.pool)
        #expect(first.rows.map(\.bitPattern) == again.rows.map(\.bitPattern))

        let model = try Self.model()
        let reseeded = GradientPoolBuilder(
            model: model, sketch: CountSketch(inputCount: model.parameterCount, dimensions: Self.dimensions, seed: 1),
            poolSize: Self.poolSize, samplingSeed: Self.samplingSeed + 1, maxTokens: Self.maxTokens)
        var rows = [Float](repeating: 0, count: Self.poolSize * Self.dimensions)
        let other = try rows.withUnsafeMutableBufferPointer {
            try reseeded.build(prompt: try Self.prompt(first.index), gold: Self.tasks[first.index].answer, taskIndex: first.index, sketches: $0)
        }
        #expect(other.responses != first.pool.responses)
    }

    @Test("a prompt with no accepted sample takes no gradient: zero norms and zero rows")
    func noAcceptedSample() throws {
        let builder = Self.builder(try Self.model())
        let (index, withGold, _) = try Self.firstPoolWithGradients(builder)
        // The same samples judged against an answer none of them gives.
        var rows = [Float](repeating: .nan, count: Self.poolSize * Self.dimensions)
        let pool = try rows.withUnsafeMutableBufferPointer {
            try builder.build(prompt: try Self.prompt(index), gold: "-987654321", taskIndex: index, sketches: $0)
        }
        #expect(pool.responses == withGold.responses)
        #expect(!pool.gradients && pool.accepted == 0 && pool.rewards == Array(repeating: 0, count: Self.poolSize))
        #expect(pool.normEmbedding.allSatisfy { $0 == 0 } && pool.normHead.allSatisfy { $0 == 0 } && pool.normAll.allSatisfy { $0 == 0 })
        #expect(pool.tokens.allSatisfy { $0 > 0 })
        #expect(rows.allSatisfy { $0 == 0 })
    }
}
