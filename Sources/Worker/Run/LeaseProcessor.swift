import Shared

/// Turns a lease into its result: generate, verify each sample against the
/// gold answer, estimate gradient norms of the accepted ones, and keep what
/// the run's algorithm trains on.
struct LeaseProcessor: Sendable {
    let backend: any GenerationBackend

    func process(_ lease: Lease) async throws -> LeaseResult {
        let generations = try await backend.generate(lease)
        return try await Self.result(for: lease, generations: generations)
    }

    /// The result for generations already made: reward 1 for a correct
    /// answer and 0 otherwise; raft keeps only accepted samples, grpo all of
    /// them. `generated` counts every sample either way.
    static func result(for lease: Lease, generations: [Generation]) async throws -> LeaseResult {
        guard generations.count == lease.sampleCount else {
            throw LeaseProcessingError.sampleCountMismatch(expected: lease.sampleCount, got: generations.count)
        }
        let verifier = lease.verifier.verifier
        let estimator = lease.gradNorm.estimator
        var samples: [SampleResult] = []
        for (k, generation) in generations.enumerated() {
            let accepted = verifier.verify(response: generation.text, gold: lease.gold).correct
            guard accepted || lease.algorithm == .grpo else { continue }
            let gradNorm = accepted ? try await estimator.gradNorm(of: generation, for: lease) : nil
            samples.append(SampleResult(
                sampleIndex: lease.firstSampleIndex + k,
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

    var description: String {
        switch self {
        case .sampleCountMismatch(let expected, let got):
            "the backend produced \(got) generations for a lease of \(expected) samples"
        }
    }
}
