import CurlHTTP
import Foundation
import Shared
import Testing
import TestSupport
@testable import Worker

/// The logit-proxy gradient norm: the arithmetic on hand-computed cases, the
/// engine's top lists of every shape, and the request for alternatives.
@Suite struct GradNormLogitProxyTests {
    /// Two tokens, k = 2 alternatives asked for:
    ///
    /// - token 1 "A", p = 0.5; the top list has k+1 = 3 entries and holds
    ///   "A" itself: A 0.5, B 0.3, C 0.1.
    ///   g1² = (1 − 0.5)² + 0.3² + 0.1² = 0.25 + 0.09 + 0.01 = 0.35
    /// - token 2 "D", p = 0.2; the top list has fewer than k entries and
    ///   lacks "D": E 0.6.
    ///   g2² = (1 − 0.2)² + 0.6² = 0.64 + 0.36 = 1.00
    ///
    /// G = √(0.35 + 1.00) = √1.35 = 1.161895003862225...
    private let twoTokens = Generation(
        text: "AD", completionTokens: 2, finishReason: .stop,
        tokens: ["A", "D"],
        tokenLogprobs: [log(0.5), log(0.2)],
        topLogprobs: [
            [TokenLogprob(token: "A", logprob: log(0.5)), TokenLogprob(token: "B", logprob: log(0.3)),
             TokenLogprob(token: "C", logprob: log(0.1))],
            [TokenLogprob(token: "E", logprob: log(0.6))],
        ])

    @Test func handComputedTwoTokenCase() throws {
        #expect(abs(try LogitProxyGradNorm.norm(of: twoTokens) - 1.35.squareRoot()) < 1e-12)
        #expect(abs(try LogitProxyGradNorm.norm(of: twoTokens) - 1.161895003862225) < 1e-12)
    }

    @Test func eachPositionOnItsOwn() {
        let first = LogitProxyGradNorm.squaredNorm(
            sampledLogprob: log(0.5), sampledToken: "A", alternatives: twoTokens.topLogprobs![0])
        let second = LogitProxyGradNorm.squaredNorm(
            sampledLogprob: log(0.2), sampledToken: "D", alternatives: twoTokens.topLogprobs![1])
        #expect(abs(first - 0.35) < 1e-12)
        #expect(abs(second - 1.0) < 1e-12)
    }

    /// Listing the sampled token among its alternatives must not add its
    /// probability a second time: the same position with and without "A"
    /// in the list gives the same value, 0.35, not 0.35 + 0.5² = 0.60.
    @Test func theSampledTokenCountsOnce() {
        let without = LogitProxyGradNorm.squaredNorm(
            sampledLogprob: log(0.5), sampledToken: "A",
            alternatives: [TokenLogprob(token: "B", logprob: log(0.3)), TokenLogprob(token: "C", logprob: log(0.1))])
        let with = LogitProxyGradNorm.squaredNorm(
            sampledLogprob: log(0.5), sampledToken: "A", alternatives: twoTokens.topLogprobs![0])
        #expect(abs(without - 0.35) < 1e-12)
        #expect(abs(with - without) < 1e-15)
    }

    /// Without the sampled tokens' text, the entry with exactly the sampled
    /// log-probability is the sampled token's own.
    @Test func withoutTokenTextTheLogprobIdentifiesTheSampledEntry() throws {
        var generation = twoTokens
        generation.tokens = nil
        #expect(abs(try LogitProxyGradNorm.norm(of: generation) - 1.35.squareRoot()) < 1e-12)
    }

    /// Two entries print alike (two token ids decoding to the same bytes):
    /// only the one whose log-probability matches the sampled token's (0.1)
    /// is left out. g² = (1 − 0.1)² + 0.4² + 0.2² = 0.81 + 0.16 + 0.04 = 1.01
    /// (leaving out the first one instead would give 0.86).
    @Test func twoEntriesWithTheSampledTextLeaveOutTheMatchingOne() {
        let alternatives = [
            TokenLogprob(token: "\u{FFFD}", logprob: log(0.4)),
            TokenLogprob(token: "x", logprob: log(0.2)),
            TokenLogprob(token: "\u{FFFD}", logprob: log(0.1)),
        ]
        let squared = LogitProxyGradNorm.squaredNorm(sampledLogprob: log(0.1), sampledToken: "\u{FFFD}", alternatives: alternatives)
        #expect(abs(squared - 1.01) < 1e-12)
    }

    @Test func emptyResponseHasZeroNorm() throws {
        let empty = Generation(text: "", completionTokens: 0, finishReason: .stop, tokens: [], tokenLogprobs: [], topLogprobs: nil)
        #expect(try LogitProxyGradNorm.norm(of: empty) == 0)
    }

    @Test func missingOrMisalignedLogprobsAreErrors() {
        var generation = twoTokens
        generation.tokenLogprobs = nil
        #expect(throws: GradNormError.noLogprobs) { try LogitProxyGradNorm.norm(of: generation) }
        generation = twoTokens
        generation.topLogprobs = nil
        #expect(throws: GradNormError.noTopLogprobs) { try LogitProxyGradNorm.norm(of: generation) }
        generation = twoTokens
        generation.topLogprobs = [twoTokens.topLogprobs![0]]
        #expect(throws: GradNormError.misalignedLogprobs(tokens: 2, topLists: 1)) { try LogitProxyGradNorm.norm(of: generation) }
    }

    /// A generation without logprobs fails the lease, naming the sample and
    /// the mode, rather than submitting a made-up value.
    @Test func leaseWithoutLogprobsIsAnErrorNotZero() async throws {
        var lease = TestLeases.make(gold: "42", firstSampleIndex: 8, sampleCount: 1)
        lease.gradNorm = .logitProxy
        let generation = Generation(text: "\\boxed{42}", completionTokens: 3, finishReason: .stop)
        let error = await #expect(throws: LeaseProcessingError.self) {
            try await LeaseProcessor.result(for: lease, generations: [generation])
        }
        #expect(error == .gradNorm(sampleIndex: 8, mode: .logitProxy, reason: GradNormError.noLogprobs.description))
        #expect(error?.description.hasPrefix("gradient norm (logit-proxy) of sample 8 failed: the engine returned no log-probabilities") == true)
    }

    @Test func acceptedSamplesCarryTheProxyValue() async throws {
        var lease = TestLeases.make(gold: "42", sampleCount: 2, algorithm: .grpo)
        lease.gradNorm = .logitProxy
        var correct = twoTokens
        correct.text = "\\boxed{42}"
        var wrong = twoTokens
        wrong.text = "\\boxed{41}"
        wrong.tokenLogprobs = nil
        let result = try await LeaseProcessor.result(for: lease, generations: [correct, wrong])
        // Rejected samples need no gradient norm, so their logprobs may be missing.
        #expect(result.samples.map(\.reward) == [1, 0])
        #expect(abs(try #require(result.samples[0].gradNorm) - 1.35.squareRoot()) < 1e-12)
        #expect(result.samples[1].gradNorm == nil)
    }

    /// The value G for one of the double's responses, from the double's own
    /// alternatives (the sampled token and `<alt1>`... sharing 1 − p).
    private func expectedNorm(_ generation: Generation, top: Int) throws -> Double {
        let tokens = try #require(generation.tokens)
        let logprobs = try #require(generation.tokenLogprobs)
        var sum = 0.0
        for (token, logprob) in zip(tokens, logprobs) {
            let p = exp(logprob)
            sum += (1 - p) * (1 - p)
            for entry in OpenAITestDouble.topAlternatives(token: token, logprob: logprob, count: top) where entry.token != token {
                sum += exp(2 * entry.logprob)
            }
        }
        return sum.squareRoot()
    }

    /// Through the OpenAI double on both routes: a logit-proxy lease asks
    /// for `topLogprobs` alternatives and gets lists of that size.
    @Test(arguments: [true, false])
    func backendAsksForTopLogprobsOnLogitProxyLeases(chat: Bool) async throws {
        let double = try await OpenAITestDouble.start()
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let backend = OpenAIBackend(
            endpoint: double.baseURL, model: "test-model", apiKey: nil, requestTimeout: .seconds(10),
            topLogprobs: 4, client: client, logger: .silent)
        let problem = try OpenAITestDouble.Problem.math500()[0]
        var lease = TestLeases.make(
            prompt: chat ? TestLeases.chat(problem.problem) : TestLeases.completion(problem.problem),
            gold: problem.gold, sampleCount: 3)
        lease.gradNorm = .logitProxy
        let generations = try await backend.generate(lease)
        let constantLease = TestLeases.make(
            prompt: lease.prompt, gold: problem.gold, sampleCount: 1)
        _ = try await backend.generate(constantLease)
        await double.stop()

        let bodies = try double.requests.map { try JSONDecoder().decode([String: JSONValue].self, from: $0.body) }
        if chat {
            #expect(bodies[0]["logprobs"] == .bool(true))
            #expect(bodies[0]["top_logprobs"] == .number(4))
            // No alternatives, but explicit: llama.cpp returns no chat logprobs without it.
            #expect(bodies[1]["top_logprobs"] == .number(0))
        } else {
            #expect(bodies[0]["logprobs"] == .number(4))
            #expect(bodies[1]["logprobs"] == .number(1))
        }
        for generation in generations {
            let top = try #require(generation.topLogprobs)
            #expect(top.count == generation.completionTokens)
            #expect(top.allSatisfy { $0.count == 4 })
            #expect(generation.tokens?.count == generation.completionTokens)
            let norm = try LogitProxyGradNorm.norm(of: generation)
            #expect(abs(norm - (try expectedNorm(generation, top: 4))) < 1e-9 * max(1, norm))
        }
    }
}
