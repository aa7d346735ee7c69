/// One sampled continuation of a prompt.
public struct SampledSequence: Sendable, Equatable {
    public enum StopReason: String, Sendable, Codable {
        /// The end-of-text token was drawn (it is the last token).
        case endOfText
        /// maxNewTokens tokens were drawn.
        case maxNewTokens
        /// Prompt + response reached contextLength + 1 tokens, the most the
        /// model can score.
        case contextFull
    }

    /// The response tokens, in order.
    public var tokens: [Int32]
    /// log p(tokens[i] | prompt, tokens[..<i]) under the model's raw
    /// distribution (temperature 1, no top-p), whatever the sampling
    /// settings: the behaviour log-probability of an importance ratio.
    public var logProbabilities: [Float]
    public var stopReason: StopReason
}

/// A sampling request the sampler cannot serve.
public struct SamplerError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String
    public var description: String { "sampling: \(field) \(problem)" }
}
