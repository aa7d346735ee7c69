import Foundation
import Shared
import Testing
@testable import Coordinator

/// `iteration(runId:number:)`: one iteration's summary, as `iterations`
/// gives it, without reading the others.
@Suite("One iteration's summary")
struct IterationLookupTests {
    @Test("it equals the iteration in the list; nil for one not started; 404 for a run that does not exist")
    func oneIteration() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        try await harness.drain()

        let listed = try await harness.store.iterations(runId: run.runId)
        #expect(try await harness.store.iteration(runId: run.runId, number: 0) == listed.first)
        #expect(try await harness.store.iteration(runId: run.runId, number: 1) == nil)
        await #expect(throws: RequestRefusal.notFound("run 99 does not exist")) {
            try await harness.store.iteration(runId: 99, number: 0)
        }
    }
}
