import Foundation
import Hummingbird
import Shared

/// `POST /v1/leases[/{leaseId}/heartbeat|result|release]`: the worker
/// protocol. Handlers decode, call the store, encode.
/// Each call passes the caller's identity (`IdentifiedRequestContext`):
/// leases belong to the identity they were granted to.
struct LeaseRoutes<Context: IdentifiedRequestContext> {
    let store: any CoordinatorStore
    let metrics: CoordinatorMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        let leases = group.group("v1/leases")
        leases.post { request, context in
            let leaseRequest = try await JSONResponses.decode(LeaseRequest.self, from: request)
            let leases = try await store.grantLeases(leaseRequest, identity: context.identity?.name, now: Date())
            metrics.leasesGranted.increment(by: leases.count)
            return try JSONResponses.ok(LeaseGrant(leases: leases, retryAfterSeconds: leases.isEmpty ? 1 : nil))
        }
        leases.post(":leaseId/heartbeat") { _, context in
            try JSONResponses.ok(try await store.heartbeat(
                leaseId: try PathParameter.text("leaseId", in: context), caller: context.identity?.name, now: Date()))
        }
        leases.post(":leaseId/result") { request, context in
            let started = ContinuousClock.now
            let result = try await JSONResponses.decode(LeaseResult.self, from: request)
            let receipt = try await store.submit(
                leaseId: try PathParameter.text("leaseId", in: context), caller: context.identity?.name, result: result, now: Date())
            if !receipt.duplicate {
                metrics.recordSubmission(result, elapsed: ContinuousClock.now - started)
            }
            return try JSONResponses.ok(receipt)
        }
        leases.post(":leaseId/release") { request, context in
            let release = try await JSONResponses.decode(LeaseRelease.self, from: request)
            do throws(FieldError) {
                try release.validate()
            } catch {
                throw RequestRefusal.invalid(error)
            }
            try await store.release(
                leaseId: try PathParameter.text("leaseId", in: context), caller: context.identity?.name, release: release,
                now: Date())
            return try JSONResponses.ok(["released": true])
        }
    }
}
