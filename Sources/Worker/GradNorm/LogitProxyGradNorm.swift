import Foundation
import Shared

/// G from the engine's log-probabilities alone: the norm of the gradient of
/// −Σ_t log p(y_t) with respect to the logits, restricted to the tokens the
/// engine returned. At position t the gradient is p_v − 1[v = y_t] for each
/// vocabulary entry v, so
///
///     g_t² = (1 − p_t)² + Σ p_v²   (v in the top list, v ≠ y_t)
///     G    = √(Σ_t g_t²)
///
/// Positions are separate coordinates (each has its own logits), hence the
/// sum of squares. A proxy: see docs/gradient-norms.md for what it misses.
struct LogitProxyGradNorm: GradNormEstimator {
    func gradNorm(of generation: Generation, for lease: Lease) async throws -> Double {
        try Self.norm(of: generation)
    }

    static func norm(of generation: Generation) throws(GradNormError) -> Double {
        guard let sampled = generation.tokenLogprobs else { throw .noLogprobs }
        // An empty response has no log-likelihood to differentiate.
        if sampled.isEmpty { return 0 }
        guard let top = generation.topLogprobs else { throw .noTopLogprobs }
        guard top.count == sampled.count else {
            throw .misalignedLogprobs(tokens: sampled.count, topLists: top.count)
        }
        let tokens = generation.tokens.flatMap { $0.count == sampled.count ? $0 : nil }
        var sum = 0.0
        for t in sampled.indices {
            sum += squaredNorm(sampledLogprob: sampled[t], sampledToken: tokens?[t], alternatives: top[t])
        }
        return sum.squareRoot()
    }

    /// g_t² for one position. The top list may or may not hold the sampled
    /// token, and may hold k or k+1 entries or fewer; the sampled token's own
    /// entry is left out, so its probability counts once, in (1 − p_t)².
    static func squaredNorm(sampledLogprob: Double, sampledToken: String?, alternatives: [TokenLogprob]) -> Double {
        let p = exp(sampledLogprob)
        var sum = (1 - p) * (1 - p)
        let own = sampledEntry(logprob: sampledLogprob, token: sampledToken, in: alternatives)
        for (index, alternative) in alternatives.enumerated() where index != own {
            let q = exp(alternative.logprob)
            sum += q * q
        }
        return sum
    }

    /// The sampled token's entry in a top list, if there is one. With the
    /// token's text: the entry of that text whose log-probability is closest
    /// (two token ids can print alike). Without it: an entry with exactly the
    /// sampled log-probability, the value the engine reported for both.
    static func sampledEntry(logprob: Double, token: String?, in alternatives: [TokenLogprob]) -> Int? {
        guard let token else { return alternatives.firstIndex { $0.logprob == logprob } }
        return alternatives.indices
            .filter { alternatives[$0].token == token }
            .min { abs(alternatives[$0].logprob - logprob) < abs(alternatives[$1].logprob - logprob) }
    }
}
