import CurlHTTP
import Foundation
import Logging
import Shared
import Testing
import TestSupport
@testable import Worker

/// `OpenAIBackend` against the in-process OpenAI double.
@Suite struct OpenAIBackendTests {
    static let problem = "What is the smallest positive integer $n$ such that $17n \\equiv 1234 \\pmod{7}?$"

    /// Runs `body` with a started double and a backend pointed at it.
    private func withBackend(
        options: OpenAITestDouble.Options = .init(), timeout: Duration = .seconds(10),
        _ body: (OpenAIBackend, OpenAITestDouble) async throws -> Void
    ) async throws {
        let double = try await OpenAITestDouble.start(options: options)
        let client = try CurlHTTPClient()
        let backend = OpenAIBackend(
            endpoint: double.baseURL + "/", model: "test-model", apiKey: "secret",
            requestTimeout: timeout, client: client, logger: .silent)
        do {
            try await body(backend, double)
        } catch {
            client.shutdown()
            await double.stop()
            throw error
        }
        client.shutdown()
        await double.stop()
    }

    private func sentFields(_ data: Data?) throws -> [String: JSONValue] {
        guard case .object(let fields) = try JSONDecoder().decode(JSONValue.self, from: try #require(data)) else {
            Issue.record("request body is not an object")
            return [:]
        }
        return fields
    }

    private func problems() throws -> [OpenAITestDouble.Problem] {
        try OpenAITestDouble.Problem.math500()
    }

    @Test func completionsRouteAsksForNSamplesInOneRequest() async throws {
        let problem = try problems()[0]
        let lease = TestLeases.make(prompt: TestLeases.completion(problem.problem), gold: problem.gold, sampleCount: 5, seed: 99)
        try await withBackend { backend, double in
            let generations = try await backend.generate(lease)
            #expect(generations.count == 5)
            #expect(double.requestCount == 1)
            #expect(double.requests.first?.path == "/v1/completions")
            let sent = try sentFields(double.lastRequestBody)
            #expect(sent["n"] == .number(5))
            #expect(sent["seed"] == .number(99))
            #expect(sent["logprobs"] == .number(1))
            #expect(sent["max_tokens"] == .number(512))
            #expect(sent["temperature"] == .number(1))
            #expect(sent["top_p"] == .number(1))
            #expect(sent["model"] == .string("test-model"))
            #expect(sent["prompt"] == .string(lease.prompt.text!))
            #expect(sent["stop"] == nil)
            for generation in generations {
                #expect(generation.text.hasPrefix("Let's think step by step."))
                #expect(generation.finishReason == .stop)
                #expect(generation.tokenLogprobs?.count == generation.completionTokens)
                #expect(generation.topLogprobs?.count == generation.completionTokens)
            }
            // n choices from one seed are not copies of each other.
            #expect(Set(generations.map(\.text)).count > 1)
        }
    }

    @Test func chatRouteSendsMessagesStopAndLogprobs() async throws {
        let problem = try problems()[1]
        let generation = GenerationParameters(maxTokens: 256, temperature: 0.6, topP: 0.95, stop: ["</s>"])
        let lease = TestLeases.make(prompt: TestLeases.chat(problem.problem), gold: problem.gold, sampleCount: 3, generation: generation)
        try await withBackend { backend, double in
            let generations = try await backend.generate(lease)
            #expect(generations.count == 3)
            #expect(double.requests.map(\.path) == ["/v1/chat/completions"])
            let sent = try sentFields(double.lastRequestBody)
            #expect(sent["logprobs"] == .bool(true))
            #expect(sent["stop"] == .array([.string("</s>")]))
            #expect(sent["temperature"] == .number(0.6))
            #expect(sent["top_p"] == .number(0.95))
            #expect(sent["max_tokens"] == .number(256))
            guard case .array(let messages) = sent["messages"] else {
                Issue.record("no messages array")
                return
            }
            #expect(messages.count == 2)
            #expect(messages.last?["content"] == .string(problem.problem))
            for generation in generations {
                #expect(generation.text.contains("\\boxed{"))
                #expect(generation.tokenLogprobs?.count == generation.completionTokens)
            }
        }
    }

    @Test func serverThatIgnoresNGetsFollowUpRequestsWithDistinctSeeds() async throws {
        let problem = try problems()[2]
        let lease = TestLeases.make(prompt: TestLeases.chat(problem.problem), gold: problem.gold, sampleCount: 4, seed: 500)
        try await withBackend(options: .init(ignoresN: true)) { backend, double in
            let generations = try await backend.generate(lease)
            #expect(generations.count == 4)
            #expect(double.requestCount == 4)
            let seeds = try double.requests.map { try sentFields($0.body)["seed"] }
            #expect(seeds == [.number(500), .number(501), .number(502), .number(503)])
            let asked = try double.requests.map { try sentFields($0.body)["n"] }
            #expect(asked == [.number(4), .number(3), .number(2), .number(1)])
        }
    }

    @Test func serverThatRefusesNIsAskedForOneChoicePerRequestFromThenOn() async throws {
        let problem = try problems()[5]
        let lease = TestLeases.make(prompt: TestLeases.chat(problem.problem), gold: problem.gold, sampleCount: 3, seed: 70)
        try await withBackend(options: .init(rejectsN: true)) { backend, double in
            #expect(try await backend.generate(lease).count == 3)
            let first = try double.requests.map { try sentFields($0.body) }
            #expect(first.map { $0["n"] } == [.number(3), .number(1), .number(1), .number(1)])
            #expect(first.map { $0["seed"] } == [.number(70), .number(70), .number(71), .number(72)])
            // Learnt once: the next lease goes straight to one choice per request.
            #expect(try await backend.generate(lease).count == 3)
            #expect(double.requestCount == 7)
        }
    }

    @Test func extraFieldsPassThroughButCannotOverrideTheWorkersOwn() async throws {
        let problem = try problems()[3]
        let generation = GenerationParameters(
            maxTokens: 128, extra: ["top_k": .number(20), "min_p": .number(0.05), "n": .number(99), "repetition_penalty": .number(1.1)])
        let lease = TestLeases.make(prompt: TestLeases.completion(problem.problem), gold: problem.gold, sampleCount: 2, generation: generation)
        try await withBackend { backend, double in
            _ = try await backend.generate(lease)
            let sent = try sentFields(double.lastRequestBody)
            #expect(sent["top_k"] == .number(20))
            #expect(sent["min_p"] == .number(0.05))
            #expect(sent["repetition_penalty"] == .number(1.1))
            #expect(sent["n"] == .number(2))
        }
    }

    @Test func errorStatusBecomesAnErrorNamingStatusAndMessage() async throws {
        let lease = TestLeases.make(prompt: TestLeases.completion("anything"))
        let failure = OpenAITestDouble.Failure(status: 503, message: "model is still loading")
        try await withBackend(options: .init(failure: failure)) { backend, double in
            let error = await #expect(throws: OpenAIBackendError.self) { try await backend.generate(lease) }
            guard case .status(let code, let url, let message)? = error else {
                Issue.record("unexpected error \(String(describing: error))")
                return
            }
            #expect(code == 503)
            #expect(url == double.baseURL + "/completions")
            #expect(message == "model is still loading")
            #expect(error?.description.contains("HTTP 503") == true)
        }
    }

    @Test func slowServerTimesOut() async throws {
        let lease = TestLeases.make(prompt: TestLeases.chat("anything"))
        try await withBackend(options: .init(delay: .seconds(5)), timeout: .milliseconds(200)) { backend, _ in
            let started = ContinuousClock.now
            let error = await #expect(throws: HTTPClientError.self) { try await backend.generate(lease) }
            guard case .timedOut? = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
            #expect(ContinuousClock.now - started < .seconds(4))
        }
    }

    @Test func sameLeaseGivesSameSamples() async throws {
        let problem = try problems()[4]
        let lease = TestLeases.make(prompt: TestLeases.chat(problem.problem), gold: problem.gold, sampleCount: 3)
        try await withBackend { backend, _ in
            let first = try await backend.generate(lease)
            let second = try await backend.generate(lease)
            #expect(first == second)
        }
    }

    @Test func leaseWithoutPromptIsRefused() async throws {
        let lease = TestLeases.make(prompt: RenderedPrompt(messages: nil, text: nil))
        try await withBackend { backend, double in
            await #expect(throws: OpenAIBackendError.noPrompt(leaseId: lease.leaseId)) { try await backend.generate(lease) }
            #expect(double.requestCount == 0)
        }
    }
}
