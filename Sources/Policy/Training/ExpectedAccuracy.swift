import Foundation
import MathVerifier
import Shared

/// Expected accuracy at a sampling temperature: K samples of each prompt,
/// each judged by the verifier the workers use, so the mean is what a run's
/// sample stage measures as its acceptance rate on the same weights and
/// prompts (same rendering, same cap on new tokens, same sampler).
///
/// Sample k of prompt i always draws from the seed `sampleSeed(seed:prompt:sample:)`,
/// one sample per sampler call, so two weights files evaluated with one seed
/// see the same random numbers (common random numbers): their difference
/// is then much less noisy than either figure.
public struct ExpectedAccuracy: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        /// K, samples per prompt.
        public var samplesPerPrompt: Int
        public var temperature: Float
        public var topP: Float
        public var seed: UInt64
        /// A run's `generation.maxTokens`; capped, as the worker caps it, at
        /// what fits the context after the prompt.
        public var maxTokens: Int

        public init(samplesPerPrompt: Int, temperature: Float = 1, topP: Float = 1, seed: UInt64, maxTokens: Int = 2048) {
            self.samplesPerPrompt = samplesPerPrompt
            self.temperature = temperature
            self.topP = topP
            self.seed = seed
            self.maxTokens = maxTokens
        }
    }

    /// A mean over prompts of their per-prompt accuracy (accepted / K) and
    /// its standard error: the sample standard deviation of the per-prompt
    /// accuracies over √prompts. Nil with fewer than two prompts.
    public struct Estimate: Sendable, Equatable {
        public var prompts: Int
        public var mean: Double
        public var standardError: Double?

        public init(_ values: [Double]) {
            prompts = values.count
            mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            if values.count >= 2 {
                let mean = self.mean
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
                standardError = (variance / Double(values.count)).squareRoot()
            } else {
                standardError = nil
            }
        }
    }

    public struct Level: Sendable, Equatable {
        public var level: Int
        /// Accepted samples of the level's prompts, out of prompts × K.
        public var accepted: Int
        public var estimate: Estimate
    }

    public var settings: Settings
    /// Accepted samples of each item, in item order (each out of K).
    public var acceptedCounts: [Int]
    public var overall: Estimate
    /// Items that carry a level, by level in level order.
    public var levels: [Level]

    /// The per-prompt accuracies, accepted / K, in item order.
    public var promptAccuracies: [Double] {
        acceptedCounts.map { Double($0) / Double(settings.samplesPerPrompt) }
    }

    /// The sampler seed of sample `sample` of prompt `prompt` (positions in
    /// the item list, from 0): a SplitMix64 mix of the three, so nearby
    /// indices give unrelated streams.
    public static func sampleSeed(seed: UInt64, prompt: Int, sample: Int) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ 0x6578_7061_6363_0001)
        var value = mixer.next()
        for part in [UInt64(prompt), UInt64(sample)] {
            var step = SplitMix64(seed: value ^ part &* 0xD1B5_4A32_D192_ED03)
            value = step.next()
        }
        return value
    }

    /// Blocking: run it on a `ComputeThread` (or a command's own thread).
    /// `shouldStop` is asked between prompts. A prompt the model cannot read
    /// counts as K wrong samples.
    public static func run(
        model: TransformerModel, items: [TaskEvaluation.Item], settings: Settings, shouldStop: () -> Bool = { false }
    ) throws -> ExpectedAccuracy {
        guard settings.samplesPerPrompt >= 1 else {
            throw SamplerError(field: "samplesPerPrompt", problem: "must be at least 1, got \(settings.samplesPerPrompt)")
        }
        guard settings.maxTokens >= 1 else {
            throw SamplerError(field: "maxTokens", problem: "must be at least 1, got \(settings.maxTokens)")
        }
        let sampler = Sampler(model: model, maxSequences: 1)
        let verifier = MathVerifier()
        var accepted: [Int] = []
        accepted.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            if shouldStop() { throw TaskEvaluation.Stopped() }
            var count = 0
            if let prompt = item.prompt, !prompt.isEmpty, prompt.count <= model.config.contextLength {
                // The worker's cap: the model scores at most contextLength + 1 tokens.
                let room = min(settings.maxTokens, model.config.contextLength + 1 - prompt.count)
                for sample in 0..<settings.samplesPerPrompt {
                    let sequence = try sampler.sample(
                        prompt: prompt, count: 1, maxNewTokens: room, temperature: settings.temperature,
                        topP: settings.topP, seed: sampleSeed(seed: settings.seed, prompt: index, sample: sample))[0]
                    if verifier.verify(response: Vocabulary.decode(sequence.tokens), gold: item.gold).correct { count += 1 }
                }
            }
            accepted.append(count)
        }
        return ExpectedAccuracy(settings: settings, items: items, acceptedCounts: accepted)
    }

    /// Arithmetic tasks, rendered with the built-in prompt template, as
    /// every built-in run renders them.
    public static func run(model: TransformerModel, tasks: [ArithmeticTask], settings: Settings) throws -> ExpectedAccuracy {
        try run(model: model, items: tasks.map { task in
            TaskEvaluation.Item(prompt: try? Vocabulary.encode(task.prompt), gold: task.answer, level: task.level)
        }, settings: settings)
    }

    init(settings: Settings, items: [TaskEvaluation.Item], acceptedCounts: [Int]) {
        self.settings = settings
        self.acceptedCounts = acceptedCounts
        let accuracies = acceptedCounts.map { Double($0) / Double(settings.samplesPerPrompt) }
        overall = Estimate(accuracies)
        var byLevel: [Int: (accepted: Int, accuracies: [Double])] = [:]
        for (item, (count, accuracy)) in zip(items, zip(acceptedCounts, accuracies)) {
            if let level = item.level {
                byLevel[level, default: (0, [])].accepted += count
                byLevel[level, default: (0, [])].accuracies.append(accuracy)
            }
        }
        levels = byLevel.keys.sorted().map {
            Level(level: $0, accepted: byLevel[$0]!.accepted, estimate: Estimate(byLevel[$0]!.accuracies))
        }
    }
}
