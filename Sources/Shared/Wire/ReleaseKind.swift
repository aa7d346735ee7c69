/// Why a worker gave a lease back, as a kind the coordinator can count.
/// Defined once for every later feature that needs to tell them apart.
public enum ReleaseKind: String, Codable, Sendable, CaseIterable {
    /// The worker is stopping; the work itself is fine.
    case shutdown
    /// The inference engine failed or answered nonsense.
    case engineError = "engine-error"
    /// Generation or a call it needed ran out of time.
    case timeout
    /// The model version the lease names could not be had (yet).
    case versionUnavailable = "version-unavailable"
    /// The prompt cannot be served as rendered (too long, unencodable...).
    case invalidPrompt = "invalid-prompt"
    /// Anything else, and every release from a worker that names no kind.
    case other

    /// Whether the release uses up one of the unit's attempts
    /// (`maxAttemptsPerUnit`). A shutdown or a version not yet published
    /// says nothing about the work, so those do not count.
    public var countsAsAttempt: Bool {
        switch self {
        case .shutdown, .versionUnavailable: false
        case .engineError, .timeout, .invalidPrompt, .other: true
        }
    }
}

/// The retry budget of a work unit: expiries and counted releases use up
/// attempts; past `maxAttempts` (0: unlimited) the unit fails, and its
/// iteration goes on without its samples.
public struct RetryBudget: Sendable, Equatable {
    public var maxAttempts: Int

    public init(maxAttempts: Int) { self.maxAttempts = maxAttempts }

    /// The unit's state after one more failure, from `attempts` so far.
    public func afterFailure(attempts: Int, counts: Bool) -> (attempts: Int, failed: Bool) {
        let used = counts ? attempts + 1 : attempts
        return (used, maxAttempts > 0 && used >= maxAttempts)
    }
}
