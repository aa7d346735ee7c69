import Foundation
import Hummingbird
import Shared

/// `POST /v1/leases[/{leaseId}/heartbeat|result|release]`: the worker
/// protocol. Handlers decode, call the store, encode.
struct LeaseRoutes<Context: RequestContext> {
    let store: any CoordinatorStore
    let metrics: CoordinatorMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        let leases = group.group("v1/leases")
        leases.post { request, _ in
            let leaseRequest = try await JSONResponses.decode(LeaseRequest.self, from: request)
            let leases = try await store.grantLeases(leaseRequest, now: Date())
            metrics.leasesGranted.increment(by: leases.count)
            return try JSONResponses.ok(LeaseGrant(leases: leases, retryAfterSeconds: leases.isEmpty ? 1 : nil))
        }
        leases.post(":leaseId/heartbeat") { _, context in
            try JSONResponses.ok(try await store.heartbeat(leaseId: try PathParameter.text("leaseId", in: context), now: Date()))
        }
        leases.post(":leaseId/result") { request, context in
            let started = ContinuousClock.now
            let result = try await JSONResponses.decode(LeaseResult.self, from: request)
            let receipt = try await store.submit(leaseId: try PathParameter.text("leaseId", in: context), result: result, now: Date())
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
            try await store.release(leaseId: try PathParameter.text("leaseId", in: context), release: release, now: Date())
            return try JSONResponses.ok(["released": true])
        }
    }
}
