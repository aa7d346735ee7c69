import Foundation
import Shared
import Synchronization
@testable import Worker

/// An in-memory coordinator: hands out queued leases (one per free slot),
/// records heartbeats, results and releases, and can fail on request.
final class FakeCoordinator: LeaseCoordinator {
    struct State {
        var queued: [Lease] = []
        var requests: [LeaseRequest] = []
        var requestTimes: [ContinuousClock.Instant] = []
        var unavailableRequests = 0
        /// A status (401, 403) every lease request is refused with, as a
        /// coordinator that does not accept the worker's token.
        var refusedCredential: Int?
        var retryAfterSeconds: Double? = 0.02
        var heartbeats: [String] = []
        var revoked: Set<String> = []
        var submissions: [(leaseId: String, result: LeaseResult)] = []
        var releases: [(leaseId: String, reason: String, kind: ReleaseKind)] = []
        /// Runs just before a lease request is answered.
        var beforeAnswer: (@Sendable () -> Void)?
    }

    let state: Mutex<State>

    init(leases: [Lease], unavailableRequests: Int = 0) {
        state = Mutex(State(queued: leases, unavailableRequests: unavailableRequests))
    }

    func requestLeases(_ request: LeaseRequest) async throws -> LeaseGrant {
        state.withLock { $0.beforeAnswer }?()
        return try state.withLock { state in
            state.requests.append(request)
            state.requestTimes.append(.now)
            if state.unavailableRequests > 0 {
                state.unavailableRequests -= 1
                throw CoordinatorCallError.unavailable("test: connection refused")
            }
            if let status = state.refusedCredential {
                throw CoordinatorCallError.notAllowed(status: status, message: "test: token refused")
            }
            let count = min(request.capacity / 8, state.queued.count)
            let granted = Array(state.queued.prefix(count))
            state.queued.removeFirst(count)
            return LeaseGrant(leases: granted, retryAfterSeconds: granted.isEmpty ? state.retryAfterSeconds : nil)
        }
    }

    func heartbeat(leaseId: String) async throws -> HeartbeatReply {
        try state.withLock { state in
            state.heartbeats.append(leaseId)
            if state.revoked.contains(leaseId) {
                throw CoordinatorCallError.leaseGone(status: 409, message: "test: lease re-issued")
            }
            return HeartbeatReply(expiresAt: Date(timeIntervalSinceNow: 0.3))
        }
    }

    func submit(leaseId: String, result: LeaseResult) async throws -> SubmissionReceipt {
        state.withLock { state in
            state.submissions.append((leaseId, result))
            return SubmissionReceipt(
                leaseId: leaseId, recordedSamples: result.samples.count,
                acceptedSamples: result.samples.filter(\.accepted).count, duplicate: false)
        }
    }

    func release(leaseId: String, release: LeaseRelease) async throws {
        state.withLock { $0.releases.append((leaseId, release.reason, release.effectiveKind)) }
    }

    var submittedIds: [String] { state.withLock { $0.submissions.map(\.leaseId) } }
    var releases: [(leaseId: String, reason: String, kind: ReleaseKind)] { state.withLock { $0.releases } }
}
