import Policy
import Shared

/// G as the paper defines it, exactly: the norm of the gradient of the
/// sample's sequence log-likelihood (response tokens, end-of-text included
/// when drawn) over the run's parameter group, taken by the built-in model
/// version that drew the sample.
struct ExactGradNorm: GradNormEstimator {
    let models: BuiltinModelCache

    func gradNorm(of generation: Generation, for lease: Lease) async throws -> Double {
        guard let info = lease.builtin else { throw GradNormError.noBuiltinWeights }
        guard let response = generation.tokenIds, !response.isEmpty else { throw GradNormError.noResponseTokens }
        let prompt = try BuiltinSamplingRequest.promptTokens(of: lease)
        let group = ParameterGroup(info.gradNormGroup)
        let model = try await models.model(for: info)
        return try await models.compute.run {
            try model.gradientNorm(prompt: prompt, response: response, group: group)
        }
    }
}
