import Foundation
import Shared

extension IssuedLease {
    /// The lease as `POST /v1/leases` answers it: for a built-in run, with
    /// the path its worker fetches the weights from.
    var wireLease: Lease {
        var wire = lease
        wire.builtin = builtinWeights.map {
            BuiltinLeaseInfo(
                weightsPath: WeightsPath.of(runId: $0.runId, version: $0.version), weightsSHA256: $0.sha256,
                gradNormGroup: $0.gradNormGroup)
        }
        return wire
    }
}

extension CoordinatorStore {
    /// Issues leases and renders them for the wire, as the lease route does.
    func grantLeases(_ request: LeaseRequest, identity: String? = nil, now: Date) async throws -> [Lease] {
        try await issueLeases(request, identity: identity, now: now).map(\.wireLease)
    }
}
