import Shared

/// Estimates G for one accepted sample: the norm of the gradient of the
/// sample's sequence log-likelihood (see the spec). Async and throwing
/// because real estimators run a backward pass on a model.
protocol GradNormEstimator: Sendable {
    func gradNorm(of generation: Generation, for lease: Lease) async throws -> Double
}

extension GradNormMode {
    /// The estimator a lease's `gradNorm` mode names.
    var estimator: any GradNormEstimator {
        switch self {
        case .constant: ConstantGradNorm()
        }
    }
}
