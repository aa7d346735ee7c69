import Shared

/// Generates with the built-in model in the worker's own process: the
/// weights of the lease's model version come from the coordinator (cached
/// by SHA-256), and the lease's samples are drawn in one batch with its
/// seed, so a re-issued lease gets the same samples.
struct BuiltinBackend: GenerationBackend {
    let models: BuiltinModelCache

    func generate(_ lease: Lease) async throws -> [Generation] {
        guard let info = lease.builtin else { throw BuiltinBackendError.notBuiltinLease(leaseId: lease.leaseId) }
        // Checked before the download: a lease the model cannot serve
        // should not cost one.
        let request = try BuiltinSamplingRequest(lease)
        let model = try await models.model(for: info)
        return try await models.compute.run { try model.sample(request) }
    }
}
