import Foundation
import Policy
import Shared
import Testing
@testable import Worker

/// Gradient-norm mode `exact`: the built-in model's own
/// `sequenceGradientNorm` of each accepted sample.
@Suite struct BuiltinGradNormTests {
    @Test(arguments: ParameterGroupName.allCases)
    func exactNormIsTheModelsSequenceGradientNorm(group: ParameterGroupName) async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease(sampleCount: 3, group: group)
            let generations = try await fixture.backend.generate(lease)
            let estimator = try GradNormEstimators(builtin: fixture.models).estimator(for: lease)
            let direct = try fixture.directModel()
            let prompt = try Vocabulary.encode("12+34=\n")
            for generation in generations {
                let norm = try await estimator.gradNorm(of: generation, for: lease)
                let expected = direct.sequenceGradientNorm(
                    prompt: prompt, response: try #require(generation.tokenIds), group: ParameterGroup(group))
                #expect(norm > 0)
                #expect(abs(norm - expected) <= 1e-9 * expected, "\(norm) vs \(expected)")
            }
        }
    }

    /// Through the lease processor: accepted samples get the exact norm of
    /// their tokens, end-of-text included; rejected ones none.
    @Test func acceptedSamplesGetTheExactNormOfTheirTokens() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease(sampleCount: 2, group: .embedding, algorithm: .grpo)
            let right = "12+34=\\boxed{46}"
            let generations = [right, "12+34=\\boxed{47}"].map { text in
                let tokens = try! Vocabulary.encode(text) + [Vocabulary.endOfText]
                return Generation(
                    text: text, completionTokens: tokens.count, finishReason: .stop,
                    tokenLogprobs: Array(repeating: -1, count: tokens.count), tokenIds: tokens)
            }
            let result = try await LeaseProcessor.result(
                for: lease, generations: generations, gradNorms: GradNormEstimators(builtin: fixture.models))
            let expected = try fixture.directModel().sequenceGradientNorm(
                prompt: try Vocabulary.encode("12+34=\n"), response: try Vocabulary.encode(right) + [Vocabulary.endOfText],
                group: .embedding)
            #expect(result.samples.map(\.reward) == [1, 0])
            let norm = try #require(result.samples[0].gradNorm)
            #expect(abs(norm - expected) <= 1e-9 * expected, "\(norm) vs \(expected)")
            #expect(result.samples[1].gradNorm == nil)
        }
    }

    @Test func otherBackendsRefuseExact() throws {
        var lease = TestLeases.make()
        lease.gradNorm = .exact
        #expect(throws: GradNormError.exactNeedsBuiltinBackend) {
            try GradNormEstimators().estimator(for: lease)
        }
    }

    @Test func sampleWithoutTokensIsRefused() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease()
            let estimator = try GradNormEstimators(builtin: fixture.models).estimator(for: lease)
            let generation = Generation(text: "46", completionTokens: 2, finishReason: .stop)
            await #expect(throws: GradNormError.noResponseTokens) {
                try await estimator.gradNorm(of: generation, for: lease)
            }
        }
    }

    @Test func leaseWithoutBuiltinWeightsIsRefused() async throws {
        try await BuiltinFixture.with { fixture in
            var lease = fixture.lease()
            lease.builtin = nil
            let estimator = try GradNormEstimators(builtin: fixture.models).estimator(for: lease)
            let generation = Generation(text: "46", completionTokens: 2, finishReason: .length, tokenIds: [6, 8])
            await #expect(throws: GradNormError.noBuiltinWeights) {
                try await estimator.gradNorm(of: generation, for: lease)
            }
        }
    }

    /// A sample longer than the model can score fails its lease with a
    /// reason instead of trapping in the model.
    @Test func sequenceLongerThanTheContextIsRefused() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease()
            let estimator = try GradNormEstimators(builtin: fixture.models).estimator(for: lease)
            let tokens = [Int32](repeating: 8, count: BuiltinFixture.config.contextLength)
            let generation = Generation(text: "", completionTokens: tokens.count, finishReason: .length, tokenIds: tokens)
            await #expect(throws: GradNormError.sequenceTooLong(
                tokens: tokens.count + 7, contextLength: BuiltinFixture.config.contextLength)) {
                try await estimator.gradNorm(of: generation, for: lease)
            }
        }
    }

    @Test func constantModeStillWorksWithTheBuiltinBackend() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease(gradNorm: .constant)
            let estimator = try GradNormEstimators(builtin: fixture.models).estimator(for: lease)
            #expect(estimator is ConstantGradNorm)
        }
    }
}
