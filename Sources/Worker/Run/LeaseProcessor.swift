import Shared

/// Turns a lease into its result: generate, verify each sample against the
/// gold answer, estimate gradient norms of the accepted ones, and keep what
/// the run's algorithm trains on.
struct LeaseProcessor: Sendable {
    let backend: any GenerationBackend
    var gradNorms = GradNormEstimators()

    func process(_ lease: Lease) async throws -> LeaseResult {
        let generations = try await backend.generate(lease)
        return try await Self.result(for: lease, generations: generations, gradNorms: gradNorms)
    }

    /// The result for generations already made: reward 1 for a correct
    /// answer and 0 otherwise; raft keeps only accepted samples, grpo all of
    /// them. `generated` counts every sample either way.
    static func result(
        for lease: Lease, generations: [Generation], gradNorms: GradNormEstimators = GradNormEstimators()
    ) async throws -> LeaseResult {
        guard generations.count == lease.sampleCount else {
            throw LeaseProcessingError.sampleCountMismatch(expected: lease.sampleCount, got: generations.count)
        }
        let verifier = lease.verifier.verifier
        var samples: [SampleResult] = []
        for (k, generation) in generations.enumerated() {
            let accepted = verifier.verify(response: generation.text, gold: lease.gold).correct
            guard accepted || lease.algorithm == .grpo else { continue }
            let sampleIndex = lease.firstSampleIndex + k
            var gradNorm: Double?
            if accepted {
                do {
                    gradNorm = try await gradNorms.estimator(for: lease).gradNorm(of: generation, for: lease)
                } catch let error as GradNormError {
                    throw LeaseProcessingError.gradNorm(sampleIndex: sampleIndex, mode: lease.gradNorm, reason: error.description)
                }
            }
            samples.append(SampleResult(
                sampleIndex: sampleIndex,
                response: generation.text,
                reward: accepted ? 1 : 0,
                gradNorm: gradNorm,
                completionTokens: generation.completionTokens,
                finishReason: generation.finishReason,
                tokenLogprobs: generation.tokenLogprobs))
        }
        return LeaseResult(
            generated: generations.count, samples: samples,
            generatedTokens: generations.reduce(0) { $0 + $1.completionTokens })
    }
}

enum LeaseProcessingError: Error, Equatable, CustomStringConvertible {
    /// A backend broke its contract of one generation per sample.
    case sampleCountMismatch(expected: Int, got: Int)
    /// An accepted sample has no gradient norm; the lease is released with
    /// this as the reason rather than submitted with a made-up value.
    case gradNorm(sampleIndex: Int, mode: GradNormMode, reason: String)

    var description: String {
        switch self {
        case .sampleCountMismatch(let expected, let got):
            "the backend produced \(got) generations for a lease of \(expected) samples"
        case .gradNorm(let sampleIndex, let mode, let reason):
            "gradient norm (\(mode.rawValue)) of sample \(sampleIndex) failed: \(reason)"
        }
    }
}
