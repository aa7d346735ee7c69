import Foundation
import Shared
import Testing
import Hummingbird
import Logging
@testable import Coordinator

/// `GET /v1/runs/{runId}/iterations/{iteration}/wait` is served from the
/// store's change feed: a wait held open reads nothing until the run changes.
@Suite("Iteration wait route")
struct IterationWaitRouteTests {
    struct Answer: Decodable {
        var done: Bool
        var state: String
        var iteration: IterationSummary?
    }

    @Test("a held wait does not poll the iterations, and returns done on the stage change")
    func noPolling() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(strategy: .uniform, prompts: 2), now: Date())
        let counting = CountingStore(harness.store)
        let (port, server) = try await LoopbackCoordinator.start(store: counting)
        defer { server.cancel() }
        let client = try CoordinatorAPIClient(url: "http://127.0.0.1:\(port)")

        let started = ContinuousClock.now
        let request = Task {
            try await client.raw("GET", "/v1/runs/\(run.runId)/iterations/0/wait?timeoutSeconds=20")
        }
        // Once the route has read the iteration, hold it open with no change
        // for seven of the old 200 ms polls.
        while counting.counted.iteration == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(1500))
        let held = counting.counted
        #expect(held.iterations == 0)
        #expect(held.iteration <= 2 && held.run <= 2, "\(held)")

        try await harness.drain()
        let response = try await request.value
        #expect(ContinuousClock.now - started < .seconds(20))
        let answer = try WireJSON.decoder().decode(Answer.self, from: response.body)
        #expect(answer.done && answer.state == "completed" && answer.iteration?.stage == .done)
        let after = counting.counted
        #expect(after.iterations == 0)
        #expect(after.iteration <= held.iteration + 2, "\(after)")
    }

    @Test("the wire answers stay as they were: the timeout, a cancelled run, a run that will not reach the iteration, bad input")
    func answers() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let (port, server) = try await LoopbackCoordinator.start(store: harness.store)
        defer { server.cancel() }
        let client = try CoordinatorAPIClient(url: "http://127.0.0.1:\(port)")
        func wait(_ iteration: Int, _ query: String = "?timeoutSeconds=0") async throws -> Answer {
            try await client.send("GET", "/v1/runs/\(run.runId)/iterations/\(iteration)/wait\(query)", as: Answer.self)
        }
        func failure(_ path: String) async -> String {
            do {
                _ = try await client.raw("GET", path)
                return "no failure"
            } catch {
                return "\(error)"
            }
        }

        let timedOut = try await wait(0, "?timeoutSeconds=0.2")
        #expect(!timedOut.done && timedOut.state == "active" && timedOut.iteration?.stage == .presample)
        let notStarted = try await wait(3)
        #expect(!notStarted.done && notStarted.iteration == nil)
        #expect(await failure("/v1/runs/\(run.runId)/iterations/0/wait?timeoutSeconds=21").hasPrefix("400 timeoutSeconds:"))
        #expect(await failure("/v1/runs/99/iterations/0/wait").hasPrefix("404 "))

        _ = try await harness.store.cancel(runId: run.runId, now: Date())
        let cancelled = try await wait(0, "")
        #expect(!cancelled.done && cancelled.state == "cancelled" && cancelled.iteration?.iteration == 0)
        let unreachable = await failure("/v1/runs/\(run.runId)/iterations/1/wait")
        #expect(unreachable.hasPrefix("409 ") && unreachable.contains("will not reach iteration 1"), "\(unreachable)")
    }

}
