import MathVerifier
import Shared

/// Builds per-prompt pools for the mechanism benchmark (issue 14): M samples
/// of a prompt at temperature 1, drawn exactly as `ExpectedAccuracy.run`
/// draws them (one per sampler call, sample k of task j from
/// `ExpectedAccuracy.sampleSeed(seed:prompt: j, sample: k)`, the worker's cap
/// on new tokens), each judged by `MathVerifier`. When at least one sample is
/// accepted, every sample's gradient of its sequence log-likelihood over all
/// parameters is taken (GRPO needs the rejected ones too), its exact norms
/// kept and its count sketch written.
///
/// The sketch is of the gradient of the log-likelihood, ∇ Σ_t log p, the
/// direction a policy-gradient step moves in: the backward pass gives the
/// loss's ∇ −Σ_t log p, and the sign is flipped. The norms are the same
/// either way.
///
/// Not thread-safe, like the model it reads.
public final class GradientPoolBuilder {
    public let model: TransformerModel
    public let sketch: CountSketch
    /// M, samples per prompt.
    public let poolSize: Int
    public let samplingSeed: UInt64
    /// A run's `generation.maxTokens`, capped at what fits the context.
    public let maxTokens: Int

    /// Wall time spent so far, for progress lines: sampling and verifying,
    /// and taking and sketching gradients.
    public private(set) var samplingSeconds = 0.0
    public private(set) var gradientSeconds = 0.0

    private let sampler: Sampler
    private let verifier = MathVerifier()
    private let embeddingRanges: [Range<Int>]
    private let headRanges: [Range<Int>]
    private let clock = ContinuousClock()

    public init(model: TransformerModel, sketch: CountSketch, poolSize: Int, samplingSeed: UInt64, maxTokens: Int) {
        precondition(sketch.inputCount == model.parameterCount, "the sketch must take the model's \(model.parameterCount) parameters")
        precondition(poolSize >= 1 && maxTokens >= 1, "poolSize and maxTokens must be at least 1")
        self.model = model
        self.sketch = sketch
        self.poolSize = poolSize
        self.samplingSeed = samplingSeed
        self.maxTokens = maxTokens
        sampler = Sampler(model: model, maxSequences: 1)
        embeddingRanges = model.gradientRanges(of: .embedding)
        headRanges = model.gradientRanges(of: .head)
    }

    /// The pool of task `taskIndex` (its position in the tasks file, which
    /// fixes the sampler seeds), whose rendered prompt is `prompt` and gold
    /// answer `gold`. Writes sample k's sketch to row k of `sketches`
    /// (poolSize × dimensions floats, row-major); rows without a gradient
    /// are zero. The prompt must be non-empty and fit the context.
    public func build(
        prompt: [Int32], gold: String, taskIndex: Int, sketches: UnsafeMutableBufferPointer<Float>
    ) throws(SamplerError) -> PromptGradientPool {
        let D = sketch.dimensions
        precondition(sketches.count == poolSize * D, "sketches must hold poolSize × dimensions floats")
        precondition(taskIndex >= 0, "taskIndex must not be negative")

        let samplingStart = clock.now
        // The worker's cap: the model scores at most contextLength + 1 tokens.
        let room = min(maxTokens, model.config.contextLength + 1 - prompt.count)
        var responses: [[Int32]] = []
        var rewards: [Int] = []
        responses.reserveCapacity(poolSize)
        rewards.reserveCapacity(poolSize)
        for sample in 0..<poolSize {
            let sequence = try sampler.sample(
                prompt: prompt, count: 1, maxNewTokens: room, temperature: 1, topP: 1,
                seed: ExpectedAccuracy.sampleSeed(seed: samplingSeed, prompt: taskIndex, sample: sample))[0]
            // The worker sends the decoded text and finish reason "stop" for
            // end-of-text; the trainer re-encodes the text and appends
            // end-of-text for "stop": exactly the sampled tokens.
            responses.append(sequence.tokens)
            rewards.append(verifier.verify(response: Vocabulary.decode(sequence.tokens), gold: gold).correct ? 1 : 0)
        }
        samplingSeconds += seconds(since: samplingStart)

        var pool = PromptGradientPool(
            gradients: rewards.contains(1), responses: responses, rewards: rewards,
            normEmbedding: Array(repeating: 0, count: poolSize), normHead: Array(repeating: 0, count: poolSize),
            normAll: Array(repeating: 0, count: poolSize))
        guard pool.gradients else {
            sketches.update(repeating: 0)
            return pool
        }
        let gradientStart = clock.now
        let gradient = UnsafeBufferPointer(start: model.gradientMemory, count: model.parameterCount)
        for sample in 0..<poolSize {
            model.backwardSequence(prompt: prompt, response: responses[sample], group: .all)
            pool.normEmbedding[sample] = norm(over: embeddingRanges)
            pool.normHead[sample] = norm(over: headRanges)
            pool.normAll[sample] = squaredNorm(model.gradientMemory, model.parameterCount).squareRoot()
            let row = UnsafeMutableBufferPointer(rebasing: sketches[(sample * D)..<((sample + 1) * D)])
            sketch.sketch(gradient, into: row)
            // The buffer holds ∇ of the NEGATIVE log-likelihood; the sketch
            // is linear, so negating it gives the log-likelihood's sketch.
            for i in row.indices { row[i] = -row[i] }
        }
        gradientSeconds += seconds(since: gradientStart)
        return pool
    }

    private func seconds(since start: ContinuousClock.Instant) -> Double {
        let (whole, attoseconds) = (clock.now - start).components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    private func norm(over ranges: [Range<Int>]) -> Double {
        var total = 0.0
        for range in ranges { total += squaredNorm(model.gradientMemory + range.lowerBound, range.count) }
        return total.squareRoot()
    }
}
