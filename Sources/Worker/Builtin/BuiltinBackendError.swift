/// Why the built-in backend could not serve a lease. The lease is released
/// with this as the reason, like any backend failure.
enum BuiltinBackendError: Error, Equatable, CustomStringConvertible {
    /// The lease carries no `builtin` weights: its run is not on the
    /// built-in model.
    case notBuiltinLease(leaseId: String)
    /// The run renders chat messages; the built-in model reads plain text.
    case chatPrompt(leaseId: String)
    /// The lease's prompt has no text.
    case noPrompt(leaseId: String)
    /// The prompt holds a character outside the model's vocabulary.
    case unknownCharacter(String)
    /// The encoded prompt does not fit the model's context.
    case promptTooLong(tokens: Int, contextLength: Int)
    /// The run asks for stop strings, which the built-in model has no use
    /// for: it stops at its own end-of-text token.
    case unsupportedStop([String])
    /// The run passes engine-specific fields that would change sampling.
    case unsupportedExtra([String])
    /// The sampler refused the request.
    case sampling(String)
    /// The weights could not be downloaded.
    case weightsUnavailable(url: String, reason: String)
    /// The downloaded bytes are not the ones the lease names.
    case weightsChecksumMismatch(url: String, expected: String, actual: String)
    /// The downloaded bytes are not a usable weights file.
    case invalidWeights(url: String, reason: String)

    var description: String {
        switch self {
        case .notBuiltinLease(let leaseId):
            "lease \(leaseId) is not for the built-in model (it names no builtin weights); "
                + "workers with --backend builtin must ask only for built-in runs' model name"
        case .chatPrompt(let leaseId):
            "lease \(leaseId) has a chat prompt, but the built-in model reads plain text: "
                + "give the run a completion template such as {\"completion\": \"{problem}\\n\"}"
        case .noPrompt(let leaseId):
            "lease \(leaseId) has no prompt text"
        case .unknownCharacter(let reason):
            "the prompt cannot be encoded: \(reason)"
        case .promptTooLong(let tokens, let contextLength):
            "the prompt is \(tokens) tokens, more than the built-in model's context length of \(contextLength)"
        case .unsupportedStop(let stop):
            "the built-in model stops at its end-of-text token and takes no generation.stop strings (the run has \(stop))"
        case .unsupportedExtra(let keys):
            "the built-in model takes no engine-specific generation.extra fields (the run has \(keys.joined(separator: ", ")))"
        case .sampling(let reason):
            reason
        case .weightsUnavailable(let url, let reason):
            "cannot download the model weights from \(url): \(reason)"
        case .weightsChecksumMismatch(let url, let expected, let actual):
            "the model weights from \(url) have SHA-256 \(actual), but the lease names \(expected)"
        case .invalidWeights(let url, let reason):
            "the model weights from \(url) are unusable: \(reason)"
        }
    }
}
