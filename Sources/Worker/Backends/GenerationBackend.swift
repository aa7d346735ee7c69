import Shared

/// Produces a lease's samples: the OpenAI-compatible backend through an
/// inference server, the built-in backend with the coordinator's own model.
protocol GenerationBackend: Sendable {
    /// Exactly `lease.sampleCount` generations, in sample order (the k-th one
    /// becomes sample `lease.firstSampleIndex + k`). Throws when the engine
    /// fails; the caller then releases the lease so it is re-issued.
    func generate(_ lease: Lease) async throws -> [Generation]
}

/// One sampled response.
struct Generation: Sendable, Equatable {
    var text: String
    var completionTokens: Int
    var finishReason: FinishReason
    /// The sampled tokens' text, when the engine reports them; they tell
    /// which entry of a top list is the sampled token itself.
    var tokens: [String]?
    /// The sampled token's log-probability at each position, when the engine
    /// reports them.
    var tokenLogprobs: [Double]?
    /// The engine's most likely alternatives at each position, when reported.
    var topLogprobs: [[TokenLogprob]]?
    /// The sampled token ids, end-of-text included when drawn: the built-in
    /// backend keeps them for the exact gradient norm.
    var tokenIds: [Int32]?
}

struct TokenLogprob: Sendable, Equatable {
    var token: String
    var logprob: Double
}
