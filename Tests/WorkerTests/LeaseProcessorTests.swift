import CurlHTTP
import Foundation
import Logging
import Shared
import Testing
import TestSupport
@testable import Worker

/// Verification, rewards, gradient norms and which samples a result keeps.
@Suite struct LeaseProcessorTests {
    /// Samples 0 and 2 are correct, 1 is wrong, 3 never commits to an answer.
    private let generations = [
        Generation(text: "6 * 7 = 42. So the answer is \\boxed{42}.", completionTokens: 12, finishReason: .stop, tokenLogprobs: [-0.5, -0.25]),
        Generation(text: "6 * 7 = 43. So the answer is \\boxed{43}.", completionTokens: 12, finishReason: .stop),
        Generation(text: "The product is \\boxed{42.0}", completionTokens: 7, finishReason: .stop),
        Generation(text: "Let's think step by step. First we multiply", completionTokens: 9, finishReason: .length),
    ]

    @Test func raftKeepsOnlyAcceptedSamplesWithTheirIndexAndGradNorm() async throws {
        let lease = TestLeases.make(gold: "42", firstSampleIndex: 8, sampleCount: 4, algorithm: .raft)
        let result = try await LeaseProcessor.result(for: lease, generations: generations)
        #expect(result.generated == 4)
        #expect(result.samples.map(\.sampleIndex) == [8, 10])
        #expect(result.samples.map(\.reward) == [1, 1])
        #expect(result.samples.map(\.gradNorm) == [1, 1])
        #expect(result.samples[0].tokenLogprobs == [-0.5, -0.25])
        #expect(result.samples[0].completionTokens == 12)
        #expect(result.samples[1].response == generations[2].text)
    }

    @Test func grpoKeepsEverySampleWithItsReward() async throws {
        let lease = TestLeases.make(gold: "42", firstSampleIndex: 0, sampleCount: 4, algorithm: .grpo)
        let result = try await LeaseProcessor.result(for: lease, generations: generations)
        #expect(result.generated == 4)
        #expect(result.samples.map(\.sampleIndex) == [0, 1, 2, 3])
        #expect(result.samples.map(\.reward) == [1, 0, 1, 0])
        // Gradient norms are estimated for accepted samples only.
        #expect(result.samples.map(\.gradNorm) == [1, nil, 1, nil])
        #expect(result.samples[3].finishReason == .length)
    }

    @Test func raftWithNothingAcceptedStillCountsEverySample() async throws {
        let lease = TestLeases.make(gold: "7", sampleCount: 4, algorithm: .raft)
        let result = try await LeaseProcessor.result(for: lease, generations: generations)
        #expect(result.generated == 4)
        #expect(result.samples.isEmpty)
    }

    @Test func wrongNumberOfGenerationsIsAnError() async throws {
        let lease = TestLeases.make(sampleCount: 5)
        await #expect(throws: LeaseProcessingError.sampleCountMismatch(expected: 5, got: 4)) {
            try await LeaseProcessor.result(for: lease, generations: generations)
        }
    }

    @Test func constantEstimatorGivesOne() async throws {
        let lease = TestLeases.make()
        let estimator = try GradNormEstimators().estimator(for: lease)
        #expect(try await estimator.gradNorm(of: generations[0], for: lease) == 1)
    }

    /// Through the OpenAI double: every reward agrees with the answer the
    /// response boxed, and the acceptance rate follows the problem's skill.
    @Test func rewardsFromTheDoubleMatchTheBoxedAnswers() async throws {
        let double = try await OpenAITestDouble.start()
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let backend = OpenAIBackend(
            endpoint: double.baseURL, model: "test-model", apiKey: nil,
            requestTimeout: .seconds(10), client: client, logger: .silent)
        let processor = LeaseProcessor(backend: backend)
        var accepted = 0
        var generated = 0
        var expectedRate = 0.0
        let problems = try OpenAITestDouble.Problem.math500()
        for (index, problem) in problems.enumerated() {
            let lease = TestLeases.make(
                id: "lease-\(index)", prompt: TestLeases.chat(problem.problem), gold: problem.gold,
                sampleCount: 16, seed: index, algorithm: .grpo)
            let result = try await processor.process(lease)
            for sample in result.samples {
                #expect(sample.accepted == sample.response.hasSuffix("\\boxed{\(problem.gold)}."), "\(problem.gold)")
            }
            if OpenAITestDouble.correctProbability(of: problem.problem) == 0 {
                #expect(result.samples.allSatisfy { !$0.accepted })
            }
            accepted += result.samples.filter(\.accepted).count
            generated += result.generated
            expectedRate += OpenAITestDouble.correctProbability(of: problem.problem) * 16
        }
        await double.stop()
        expectedRate /= Double(generated)
        #expect(abs(Double(accepted) / Double(generated) - expectedRate) < 0.1)
    }
}
