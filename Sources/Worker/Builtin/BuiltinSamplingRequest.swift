import Policy
import Shared

/// What one lease asks of the built-in model, read from the lease and
/// checked before any weights are fetched.
struct BuiltinSamplingRequest: Sendable, Equatable {
    /// The encoded prompt.
    var prompt: [Int32]
    var count: Int
    /// The run's `generation.maxTokens`; the model caps it at what fits its
    /// context.
    var maxTokens: Int
    var temperature: Float
    var topP: Float
    var seed: UInt64

    init(_ lease: Lease) throws(BuiltinBackendError) {
        prompt = try Self.promptTokens(of: lease)
        let generation = lease.generation
        guard generation.stop.isEmpty else { throw .unsupportedStop(generation.stop) }
        guard generation.extra.isEmpty else { throw .unsupportedExtra(generation.extra.keys.sorted()) }
        count = lease.sampleCount
        maxTokens = generation.maxTokens
        temperature = Float(generation.temperature)
        topP = Float(generation.topP)
        // Lease seeds are below 2^31; the bit pattern keeps any Int distinct.
        seed = UInt64(bitPattern: Int64(lease.seed))
    }

    /// The lease's completion prompt as tokens. Chat prompts are refused:
    /// the model has no chat template.
    static func promptTokens(of lease: Lease) throws(BuiltinBackendError) -> [Int32] {
        if lease.prompt.messages != nil { throw .chatPrompt(leaseId: lease.leaseId) }
        guard let text = lease.prompt.text, !text.isEmpty else { throw .noPrompt(leaseId: lease.leaseId) }
        do {
            return try Vocabulary.encode(text)
        } catch {
            throw .unknownCharacter(error.description)
        }
    }
}
