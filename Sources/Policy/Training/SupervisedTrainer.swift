import Shared

/// Supervised training on gold chains of thought: the warm start that
/// writes version 0. Cross-entropy on the response tokens only (the prompt
/// is given, not learned), AdamW, global gradient clipping.
public final class SupervisedTrainer {
    public struct Settings: Sendable, Equatable {
        public var batchSize: Int
        public var learningRate: Float
        /// Steps of linear learning-rate warm-up from 0.
        public var warmupSteps: Int
        public var maxGradNorm: Double
        public var seed: UInt64

        public init(batchSize: Int = 32, learningRate: Float = 2e-3, warmupSteps: Int = 100, maxGradNorm: Double = 1, seed: UInt64 = 1) {
            self.batchSize = batchSize
            self.learningRate = learningRate
            self.warmupSteps = warmupSteps
            self.maxGradNorm = maxGradNorm
            self.seed = seed
        }
    }

    /// What one step did.
    public struct StepReport: Sendable, Equatable {
        /// Mean cross-entropy per response token, in nats.
        public var loss: Double
        public var gradientNorm: Double
        /// Tokens read by the forward pass, padding included.
        public var tokens: Int
    }

    public let model: TransformerModel
    public let settings: Settings
    private let optimizer: AdamW
    private let examples: [(prompt: [Int32], response: [Int32])]
    private var generator: SplitMix64
    public private(set) var step = 0

    /// Every task must encode and fit the model's context.
    public init(model: TransformerModel, tasks: [ArithmeticTask], settings: Settings) throws {
        precondition(settings.batchSize >= 1 && settings.batchSize <= model.maxBatch, "batch size must be 1...maxBatch")
        precondition(!tasks.isEmpty, "supervised training needs tasks")
        self.model = model
        self.settings = settings
        optimizer = AdamW(for: model, learningRate: settings.learningRate)
        examples = try tasks.map { task in
            let prompt = try Vocabulary.encode(task.prompt)
            let response = try Vocabulary.encode(task.solution) + [Vocabulary.endOfText]
            guard prompt.count + response.count - 1 <= model.config.contextLength else {
                throw SamplerError(field: "task", problem: "\"\(task.problem)\" needs \(prompt.count + response.count - 1) positions, more than the context length \(model.config.contextLength)")
            }
            return (prompt, response)
        }
        generator = SplitMix64(seed: settings.seed)
    }

    /// One optimiser step on a minibatch drawn with replacement.
    public func trainStep() -> StepReport {
        var prompts: [[Int32]] = [], responses: [[Int32]] = []
        for _ in 0..<settings.batchSize {
            let example = examples[Int(generator.next() % UInt64(examples.count))]
            prompts.append(example.prompt)
            responses.append(example.response)
        }
        let batch = TokenBatch(prompts: prompts, responses: responses)
        _ = model.forward(batch: batch)
        let responseTokens = batch.responseTargetRanges.reduce(0) { $0 + $1.count }
        var weights = [Float](repeating: 0, count: batch.batchSize * batch.length)
        let weight = 1 / Float(responseTokens)
        for (b, range) in batch.responseTargetRanges.enumerated() {
            for t in range { weights[batch.index(sequence: b, position: t)] = weight }
        }
        let loss = model.weightedLoss(tokenWeights: weights)
        model.zeroGradients()
        model.backward(tokenWeights: weights)
        let norm = model.clipGradients(maxNorm: settings.maxGradNorm)
        step += 1
        optimizer.learningRate = settings.learningRate * min(1, Float(step) / Float(max(1, settings.warmupSteps)))
        optimizer.step(model)
        return StepReport(loss: loss, gradientNorm: norm, tokens: batch.batchSize * batch.length)
    }
}
