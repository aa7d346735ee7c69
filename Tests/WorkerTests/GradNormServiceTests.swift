import CurlHTTP
import Foundation
import Shared
import Testing
import TestSupport
@testable import Worker

/// The `url` gradient-norm mode against a real gradient service on loopback.
@Suite struct GradNormServiceTests {
    private let correct = Generation(text: "So the answer is \\boxed{42}.", completionTokens: 9, finishReason: .stop)

    private func lease(url: String?, prompt: RenderedPrompt = TestLeases.make().prompt, sampleCount: Int = 1) -> Lease {
        var lease = TestLeases.make(prompt: prompt, gold: "42", firstSampleIndex: 4, sampleCount: sampleCount)
        lease.gradNorm = .url
        lease.gradNormURL = url
        return lease
    }

    /// Runs `body` with a started service and estimators whose client gives
    /// up after `timeout`.
    private func withService(
        _ reply: GradientServiceDouble.Reply, timeout: Duration = .seconds(10),
        _ body: (GradientServiceDouble, GradNormEstimators) async throws -> Void
    ) async throws {
        let service = try await GradientServiceDouble.start(reply: reply)
        let client = try CurlHTTPClient()
        let estimators = GradNormEstimators(service: GradientServiceConnection(client: client, timeout: timeout))
        do {
            try await body(service, estimators)
        } catch {
            client.shutdown()
            await service.stop()
            throw error
        }
        client.shutdown()
        await service.stop()
    }

    private func sent(_ data: Data) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: data)
    }

    @Test func completionRunSendsTheRenderedPromptAndNullMessages() async throws {
        try await withService(.gradNorm(2.5)) { service, estimators in
            let lease = lease(url: service.url, sampleCount: 2)
            let result = try await LeaseProcessor.result(for: lease, generations: [correct, correct], gradNorms: estimators)
            #expect(result.samples.map(\.gradNorm) == [2.5, 2.5])
            #expect(service.requests.count == 2)
            let body = try sent(try #require(service.requests.first))
            #expect(body == [
                "prompt": .string("What is 6 times 7?"),
                "messages": .null,
                "response": .string(correct.text),
            ])
        }
    }

    /// Chat runs send the messages, and as `prompt` the user messages'
    /// contents joined by newlines.
    @Test func chatRunSendsTheMessagesAndTheUserContentAsPrompt() async throws {
        let prompt = RenderedPrompt(messages: [
            ChatMessage(role: "system", content: "Reason step by step."),
            ChatMessage(role: "user", content: "What is 6 times 7?"),
            ChatMessage(role: "user", content: "Box the answer."),
        ], text: nil)
        try await withService(.gradNorm(0.125)) { service, estimators in
            let result = try await LeaseProcessor.result(
                for: lease(url: service.url, prompt: prompt), generations: [correct], gradNorms: estimators)
            #expect(result.samples.first?.gradNorm == 0.125)
            let body = try sent(try #require(service.requests.first))
            #expect(body["prompt"] == .string("What is 6 times 7?\nBox the answer."))
            #expect(body["messages"] == .array([
                .object(["role": .string("system"), "content": .string("Reason step by step.")]),
                .object(["role": .string("user"), "content": .string("What is 6 times 7?")]),
                .object(["role": .string("user"), "content": .string("Box the answer.")]),
            ]))
            #expect(body["response"] == .string(correct.text))
        }
    }

    /// Each failure of the service fails the lease with a reason that says
    /// what went wrong; nothing is submitted with a made-up value.
    @Test(arguments: [
        (GradientServiceDouble.Reply.failure(status: 500, message: "CUDA out of memory"), "answered HTTP 500: CUDA out of memory"),
        (.slow(.seconds(5)), "timed out"),
        (.raw("{\"gradNorm\": \"big\"}"), "answer is not {\"gradNorm\": number}: gradNorm: must be a number"),
        (.raw("not json"), "answer is not {\"gradNorm\": number}: input: is not valid JSON"),
        (.raw("{\"norm\": 1}"), "answer is not {\"gradNorm\": number}: gradNorm: is required"),
        (.gradNorm(-1), "gradNorm must be a finite number >= 0, got -1.0"),
    ])
    func failingServiceIsAPerLeaseError(reply: GradientServiceDouble.Reply, reason: String) async throws {
        try await withService(reply, timeout: .milliseconds(300)) { service, estimators in
            let error = await #expect(throws: LeaseProcessingError.self) {
                try await LeaseProcessor.result(for: lease(url: service.url), generations: [correct], gradNorms: estimators)
            }
            let description = error?.description ?? ""
            #expect(description.hasPrefix("gradient norm (url) of sample 4 failed: gradient service \(service.url): "), "\(description)")
            #expect(description.contains(reason), "\(description)")
        }
    }

    @Test func unreachableServiceIsAPerLeaseError() async throws {
        // Bind a port, then stop listening on it, so nothing answers there.
        let gone = try await GradientServiceDouble.start(reply: .gradNorm(1))
        await gone.stop()
        try await withService(.gradNorm(1)) { _, estimators in
            let error = await #expect(throws: LeaseProcessingError.self) {
                try await LeaseProcessor.result(for: lease(url: gone.url), generations: [correct], gradNorms: estimators)
            }
            #expect(error?.description.contains("gradient service \(gone.url): HTTP request to \(gone.url) failed") == true,
                    "\(String(describing: error))")
        }
    }

    @Test func leaseWithoutAServiceURLIsAnError() async throws {
        try await withService(.gradNorm(1)) { _, estimators in
            await #expect(throws: LeaseProcessingError.gradNorm(
                sampleIndex: 4, mode: .url, reason: GradNormError.noServiceURL.description)
            ) {
                try await LeaseProcessor.result(for: lease(url: nil), generations: [correct], gradNorms: estimators)
            }
        }
    }

    /// Rejected samples are never sent: only accepted ones have a G.
    @Test func onlyAcceptedSamplesAreSent() async throws {
        try await withService(.gradNorm(3)) { service, estimators in
            var lease = lease(url: service.url, sampleCount: 2)
            lease.algorithm = .grpo
            let wrong = Generation(text: "\\boxed{41}", completionTokens: 3, finishReason: .stop)
            let result = try await LeaseProcessor.result(for: lease, generations: [wrong, correct], gradNorms: estimators)
            #expect(result.samples.map(\.gradNorm) == [nil, 3])
            #expect(service.requests.count == 1)
        }
    }

    /// Through the worker loop: the failed lease is released with the
    /// reason, and the loop goes on.
    @Test func workerLoopReleasesTheLeaseWithTheReason() async throws {
        try await withService(.failure(status: 503, message: "warming up")) { service, estimators in
            let coordinator = FakeCoordinator(leases: [lease(url: service.url)])
            let loop = WorkerLoop(
                coordinator: coordinator, processor: LeaseProcessor(backend: FakeBackend.correct(), gradNorms: estimators),
                settings: WorkerLoopSettings(
                    workerName: "test-worker", model: "test-model", concurrency: 1,
                    idleWait: .milliseconds(20), shutdownGrace: .seconds(5),
                    backoff: Backoff(base: .milliseconds(1), cap: .milliseconds(5)),
                    minimumHeartbeatInterval: .milliseconds(20)),
                logger: .silent)
            let stopping = OneShotEvent()
            let task = Task { await loop.run(stopping: stopping, graceOver: OneShotEvent()) }
            let released = try await eventually { coordinator.releases.count == 1 }
            #expect(released)
            stopping.fire()
            await task.value
            #expect(coordinator.submittedIds.isEmpty)
            let reason = coordinator.releases.first?.reason ?? ""
            #expect(reason.contains("gradient norm (url) of sample 4 failed: gradient service \(service.url): answered HTTP 503: warming up"),
                    "\(reason)")
        }
    }
}
