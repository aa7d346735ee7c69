import Foundation
import Policy
import Shared
import Testing
@testable import Worker

/// The built-in backend's samples: what each generation carries, seeds,
/// the context cap, and the leases it refuses.
@Suite struct BuiltinBackendTests {
    @Test func leaseYieldsItsSamplesWithOneLogprobPerToken() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease(sampleCount: 4, maxTokens: 24)
            let generations = try await fixture.backend.generate(lease)
            #expect(generations.count == 4)
            for generation in generations {
                let tokens = try #require(generation.tokenIds)
                let logprobs = try #require(generation.tokenLogprobs)
                #expect(logprobs.count == generation.completionTokens)
                #expect(tokens.count == generation.completionTokens)
                #expect((1...24).contains(generation.completionTokens))
                #expect(logprobs.allSatisfy { $0.isFinite && $0 <= 0 })
                // Stop exactly when end-of-text was drawn; it is not in the text.
                let drewEnd = tokens.last == Vocabulary.endOfText
                #expect(generation.finishReason == (drewEnd ? .stop : .length))
                #expect(generation.text == Vocabulary.decode(tokens))
                #expect(generation.text.count == tokens.count - (drewEnd ? 1 : 0))
            }
        }
    }

    /// The lease's samples are the sampler's, in one batch with the lease's
    /// seed and the raw log-probabilities.
    @Test func samplesAreTheSamplersWithTheLeaseSeed() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease(sampleCount: 5, seed: 99, maxTokens: 20, temperature: 0.8)
            let generations = try await fixture.backend.generate(lease)
            let sampler = Sampler(model: try fixture.directModel(), maxSequences: BuiltinModel.samplerBatch)
            let expected = try sampler.sample(
                prompt: try Vocabulary.encode("12+34=\n"), count: 5, maxNewTokens: 20, temperature: 0.8, seed: 99)
            #expect(generations.map(\.tokenIds) == expected.map(\.tokens))
            #expect(generations.map(\.tokenLogprobs) == expected.map { $0.logProbabilities.map(Double.init) })
        }
    }

    @Test func sameSeedSameSamplesOtherSeedOtherSamples() async throws {
        try await BuiltinFixture.with { fixture in
            let first = try await fixture.backend.generate(fixture.lease(seed: 1234))
            let again = try await fixture.backend.generate(fixture.lease(id: "lease-2", seed: 1234))
            let other = try await fixture.backend.generate(fixture.lease(id: "lease-3", seed: 4321))
            #expect(first == again)
            #expect(first != other)
        }
    }

    /// Leases larger than one sampler batch take several; the first batch
    /// is the one a smaller lease with the same seed gets.
    @Test func largeLeaseTakesSeveralBatches() async throws {
        try await BuiltinFixture.with { fixture in
            let count = BuiltinModel.samplerBatch + 4
            let large = try await fixture.backend.generate(fixture.lease(sampleCount: count, maxTokens: 8))
            let small = try await fixture.backend.generate(
                fixture.lease(sampleCount: BuiltinModel.samplerBatch, maxTokens: 8))
            #expect(large.count == count)
            #expect(Array(large.prefix(BuiltinModel.samplerBatch)) == small)
            #expect(large.allSatisfy { $0.tokenLogprobs?.count == $0.completionTokens })
        }
    }

    /// maxTokens beyond the context is capped at what the model can score:
    /// contextLength + 1 tokens of prompt and response.
    @Test func maxTokensIsCappedAtTheContext() async throws {
        try await BuiltinFixture.with { fixture in
            let prompt = String(repeating: "7", count: 40)
            let room = BuiltinFixture.config.contextLength + 1 - prompt.count
            let generations = try await fixture.backend.generate(fixture.lease(prompt: prompt, sampleCount: 6, maxTokens: 2048))
            #expect(generations.allSatisfy { $0.completionTokens <= room })
            #expect(generations.contains { $0.completionTokens == room && $0.finishReason == .length })
        }
    }

    @Test func promptLongerThanTheContextIsRefused() async throws {
        try await BuiltinFixture.with { fixture in
            let prompt = String(repeating: "7", count: BuiltinFixture.config.contextLength + 1)
            await #expect(throws: BuiltinBackendError.promptTooLong(
                tokens: prompt.count, contextLength: BuiltinFixture.config.contextLength)) {
                try await fixture.backend.generate(fixture.lease(prompt: prompt))
            }
        }
    }

    @Test func chatLeaseIsRefusedWithoutDownloading() async throws {
        try await BuiltinFixture.with { fixture in
            var lease = fixture.lease()
            lease.prompt = PromptTemplate.defaultChat.render(problem: "12+34")
            let error = await #expect(throws: BuiltinBackendError.chatPrompt(leaseId: lease.leaseId)) {
                try await fixture.backend.generate(lease)
            }
            #expect(error?.description.contains("completion template") == true)
            #expect(fixture.server.totalRequests == 0)
        }
    }

    @Test func unknownCharacterIsRefused() async throws {
        try await BuiltinFixture.with { fixture in
            let error = await #expect(throws: BuiltinBackendError.self) {
                try await fixture.backend.generate(fixture.lease(prompt: "12×3=\n"))
            }
            guard case .unknownCharacter = error else {
                Issue.record("expected unknownCharacter, got \(String(describing: error))")
                return
            }
            #expect(error?.description.contains("\"×\"") == true, "\(String(describing: error))")
            #expect(fixture.server.totalRequests == 0)
        }
    }

    @Test func leaseOfAnotherRunIsRefused() async throws {
        try await BuiltinFixture.with { fixture in
            var lease = fixture.lease()
            lease.builtin = nil
            let error = await #expect(throws: BuiltinBackendError.notBuiltinLease(leaseId: lease.leaseId)) {
                try await fixture.backend.generate(lease)
            }
            #expect(error?.description.contains("not for the built-in model") == true)
        }
    }

    /// Stop strings and engine fields would change what is sampled; they
    /// are refused rather than ignored.
    @Test func stopStringsAndEngineFieldsAreRefused() async throws {
        try await BuiltinFixture.with { fixture in
            var stop = fixture.lease()
            stop.generation.stop = ["\n\n"]
            await #expect(throws: BuiltinBackendError.unsupportedStop(["\n\n"])) {
                try await fixture.backend.generate(stop)
            }
            var extra = fixture.lease()
            extra.generation.extra = ["top_k": .number(5)]
            await #expect(throws: BuiltinBackendError.unsupportedExtra(["top_k"])) {
                try await fixture.backend.generate(extra)
            }
        }
    }

    /// The result the worker submits carries each sample's log-probabilities,
    /// for the trainer's importance ratios; constant gradient norms work.
    @Test func submittedSamplesCarryTheirLogprobs() async throws {
        try await BuiltinFixture.with { fixture in
            let lease = fixture.lease(sampleCount: 3, gradNorm: .constant, algorithm: .grpo)
            let processor = LeaseProcessor(backend: fixture.backend, gradNorms: GradNormEstimators(builtin: fixture.models))
            let result = try await processor.process(lease)
            let generations = try await fixture.backend.generate(lease)
            #expect(result.generated == 3)
            #expect(result.samples.map(\.tokenLogprobs) == generations.map(\.tokenLogprobs))
            #expect(result.samples.map(\.completionTokens) == generations.map(\.completionTokens))
            #expect(result.samples.map(\.response) == generations.map(\.text))
            for sample in result.samples {
                #expect(sample.gradNorm == (sample.accepted ? 1 : nil))
            }
        }
    }
}
