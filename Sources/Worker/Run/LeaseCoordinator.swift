import Shared

/// The coordinator's lease API as the worker loop sees it. `CoordinatorClient`
/// speaks it over HTTP; tests drive the loop with an in-memory one.
protocol LeaseCoordinator: Sendable {
    func requestLeases(_ request: LeaseRequest) async throws -> LeaseGrant
    func heartbeat(leaseId: String) async throws -> HeartbeatReply
    func submit(leaseId: String, result: LeaseResult) async throws -> SubmissionReceipt
    func release(leaseId: String, release: LeaseRelease) async throws
}

/// How a coordinator call failed, which decides what the worker does next.
enum CoordinatorCallError: Error, Equatable, CustomStringConvertible {
    /// No answer, a timeout, a 5xx or 429, or a 2xx body that does not
    /// decode: worth retrying after a backoff.
    case unavailable(String)
    /// 404 or 409 for a lease: it expired, was re-issued or its run was
    /// cancelled; or 403: it is another identity's. Stop working on it and
    /// drop it.
    case leaseGone(status: Int, message: String)
    /// 401 on any call, or 403 on a lease request: the coordinator does
    /// not accept this worker's token, or its role. Only an operator can
    /// fix that, so the worker stops (exit status 64).
    case notAllowed(status: Int, message: String)
    /// Any other 4xx: the coordinator refuses the request as sent.
    case refused(status: Int, message: String)

    var isRetryable: Bool {
        if case .unavailable = self { true } else { false }
    }

    var isCredentialRefusal: Bool {
        if case .notAllowed = self { true } else { false }
    }

    var description: String {
        switch self {
        case .unavailable(let reason): "coordinator unavailable: \(reason)"
        case .leaseGone(let status, let message): "lease no longer ours (HTTP \(status)): \(message)"
        case .notAllowed(let status, let message): "coordinator refused the credential (HTTP \(status)): \(message)"
        case .refused(let status, let message): "coordinator refused the request (HTTP \(status)): \(message)"
        }
    }
}
