import Foundation
import Shared
import Testing
@testable import Coordinator

/// Pause, resume, cancel and advance through the store: the transitions of
/// `RunControlRules`, and what each does to leases and work.
@Suite("Store conformance: run control")
struct RunControlConformanceTests {
    /// Two iterations of 3 prompts x 4 pre-samples, one unit each.
    static func configuration(advance: AdvanceMode) -> RunConfiguration {
        var configuration = StoreFixtures.configuration(prompts: 3, iterations: 2)
        configuration.presamples = 4
        configuration.samplesPerPrompt = 4
        configuration.advance = advance
        return configuration
    }

    static func refusal(_ body: () async throws -> Void) async -> RequestRefusal? {
        do {
            try await body()
            return nil
        } catch {
            return error as? RequestRefusal
        }
    }

    @Test("pause stops new leases but lets leases out finish; resume goes on; each is refused twice", arguments: StoreEngine.all)
    func pauseResume(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(advance: .manual))
        let held = try await harness.firstLease()

        #expect(try await harness.store.pause(runId: run.runId, now: Date()).state == .paused)
        #expect(try await harness.store.run(id: run.runId).state == .paused)
        #expect(try await harness.grant().isEmpty)
        #expect(try await !harness.store.submit(leaseId: held.leaseId, result: StoreFixtures.result(for: held), now: Date()).duplicate)
        let again = await Self.refusal { _ = try await harness.store.pause(runId: run.runId, now: Date()) }
        #expect(again?.kind == .conflict && again?.message.contains("paused") == true)

        #expect(try await harness.store.resume(runId: run.runId, now: Date()).state == .active)
        #expect(try await !harness.grant().isEmpty)
        let twice = await Self.refusal { _ = try await harness.store.resume(runId: run.runId, now: Date()) }
        #expect(twice?.kind == .conflict && twice?.message.contains("only a paused run") == true)
        let missing = await Self.refusal { _ = try await harness.store.pause(runId: 99, now: Date()) }
        #expect(missing?.kind == .notFound)
    }

    @Test("an iteration whose last results came in while paused moves on when the run is resumed", arguments: StoreEngine.all)
    func resumeFinishesTheIteration(engine: StoreEngine) async throws {
        var configuration = StoreFixtures.configuration(strategy: .uniform, prompts: 1, iterations: 2)
        configuration.advance = .auto
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, configuration)
        let leases = try await harness.grant()
        _ = try await harness.store.pause(runId: run.runId, now: Date())
        for lease in leases {
            _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
        }
        let paused = try await harness.store.run(id: run.runId)
        #expect(paused.state == .paused && paused.iteration == 0 && paused.stage == .done)

        let resumed = try await harness.store.resume(runId: run.runId, now: Date())
        #expect(resumed.state == .active && resumed.iteration == 1)
        #expect(try await harness.grant().allSatisfy { $0.iteration == 1 })
    }

    @Test("advance is refused until the iteration is done, then starts the next one on the new version", arguments: StoreEngine.all)
    func advance(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(advance: .manual))
        let early = await Self.refusal { _ = try await harness.store.advance(runId: run.runId, modelVersion: "v1", now: Date()) }
        #expect(early?.kind == .conflict && early?.message.contains("once it is done") == true)

        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .waiting)
        #expect(try await harness.store.iteration(runId: run.runId, number: 0)?.stage == .done)
        #expect(try await harness.grant().isEmpty)

        let advanced = try await harness.store.advance(runId: run.runId, modelVersion: "v1", now: Date())
        #expect(advanced.state == .active && advanced.iteration == 1 && advanced.modelVersion == "v1")
        let lease = try await harness.firstLease()
        #expect(lease.iteration == 1 && lease.modelVersion == "v1")
        _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
        let late = await Self.refusal { _ = try await harness.store.advance(runId: run.runId, modelVersion: "v2", now: Date()) }
        #expect(late?.kind == .conflict && late?.message.contains("completed") == true)
    }

    @Test("cancel ends the run's leases and queue and refuses late results and heartbeats", arguments: StoreEngine.all)
    func cancel(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(advance: .auto))
        let held = try await harness.firstLease()

        #expect(try await harness.store.cancel(runId: run.runId, now: Date()).state == .cancelled)
        let late = await Self.refusal {
            _ = try await harness.store.submit(leaseId: held.leaseId, result: StoreFixtures.result(for: held), now: Date())
        }
        #expect(late?.kind == .conflict)
        let heartbeat = await Self.refusal { _ = try await harness.store.heartbeat(leaseId: held.leaseId, now: Date()) }
        #expect(heartbeat?.kind == .conflict)
        #expect(try await harness.grant().isEmpty)
        let twice = await Self.refusal { _ = try await harness.store.cancel(runId: run.runId, now: Date()) }
        #expect(twice?.kind == .conflict && twice?.message.contains("already cancelled") == true)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.allSatisfy { $0.presample.samples == 0 })
        let gauges = try await harness.store.gauges(now: Date())
        #expect(gauges.runsByState[.cancelled] == 1 && gauges.leasesActive == 0)
    }
}
