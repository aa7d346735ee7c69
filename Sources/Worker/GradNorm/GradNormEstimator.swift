import CurlHTTP
import Shared

/// Estimates G for one accepted sample: the norm of the gradient of the
/// sample's sequence log-likelihood (see the spec). Async and throwing
/// because real estimators run a backward pass on a model.
protocol GradNormEstimator: Sendable {
    func gradNorm(of generation: Generation, for lease: Lease) async throws -> Double
}

/// The estimator a lease's `gradNorm` mode names, built from what the worker
/// sets up once: the HTTP client for `url` mode's gradient services, and the
/// built-in model for `exact`.
struct GradNormEstimators: Sendable {
    /// The client and time limit for gradient services; nil where the
    /// worker set none up, and `url` leases then fail.
    var service: GradientServiceConnection?
    /// The built-in backend's models; nil for other backends, and `exact`
    /// leases then fail.
    var builtin: BuiltinModelCache?

    func estimator(for lease: Lease) throws(GradNormError) -> any GradNormEstimator {
        switch lease.gradNorm {
        case .constant:
            return ConstantGradNorm()
        case .logitProxy:
            return LogitProxyGradNorm()
        case .url:
            guard let url = lease.gradNormURL else { throw .noServiceURL }
            guard let service else { throw .noServiceClient }
            return GradientServiceGradNorm(url: url, connection: service)
        case .exact:
            guard let builtin else { throw .exactNeedsBuiltinBackend }
            return ExactGradNorm(models: builtin)
        }
    }
}

/// How the worker reaches gradient services.
struct GradientServiceConnection: Sendable {
    var client: CurlHTTPClient
    /// Limit on one request, connecting included.
    var timeout: Duration
}
