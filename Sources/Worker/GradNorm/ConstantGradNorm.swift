import Shared

/// G = 1 for every sample, so the allocation follows acceptance rates alone.
struct ConstantGradNorm: GradNormEstimator {
    var value: Double = 1

    func gradNorm(of generation: Generation, for lease: Lease) async throws -> Double {
        value
    }
}
