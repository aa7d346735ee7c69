import Shared

/// Why a worker's call about a lease is refused (409). The messages are the
/// wire's: workers and tests read them, so they stay word for word.
enum LeaseRefusal: Equatable, Sendable {
    /// The unit was leased again (the old lease is superseded) or released.
    case reissuedOrReleased(leaseId: String)
    case runCancelled(runId: Int)
    /// The lease is finished (`LeaseState.isUnfinished` is false).
    case finished(leaseId: String, state: LeaseState, event: LeaseEventName)
    /// The unit used up its attempts; its iteration went on without it.
    case unitFailed(attempts: Int)
    /// A completed lease got a result that differs from the one taken.
    case differentResult(leaseId: String)
    /// The lease was granted to another identity (another token's name).
    case otherIdentity(leaseId: String)

    /// The calls whose refusal of a finished lease reads differently.
    enum LeaseEventName: Equatable, Sendable {
        case heartbeat, release, result
    }

    var message: String {
        switch self {
        case .reissuedOrReleased(let leaseId):
            "lease \(leaseId) was re-issued to another worker or released; its result is not counted"
        case .runCancelled(let runId):
            "run \(runId) was cancelled; results are refused"
        case .finished(let leaseId, let state, .heartbeat):
            "lease \(leaseId) is \(state.rawValue); stop working on it"
        case .finished(let leaseId, let state, .release):
            "lease \(leaseId) is \(state.rawValue) and cannot be released"
        case .finished(let leaseId, let state, .result):
            "lease \(leaseId) is \(state.rawValue); its result is not counted"
        case .unitFailed(let attempts):
            "the work of this lease failed after \(attempts) attempts; the iteration goes on without it"
        case .differentResult(let leaseId):
            "lease \(leaseId) already delivered a different result; this one is not stored"
        case .otherIdentity(let leaseId):
            "lease \(leaseId) was granted to another identity"
        }
    }

    /// 409 for a lease's state; 403 for a lease that is not the caller's to touch.
    var error: RequestRefusal {
        switch self {
        case .otherIdentity: .forbidden(message)
        default: .conflict(message)
        }
    }
}
