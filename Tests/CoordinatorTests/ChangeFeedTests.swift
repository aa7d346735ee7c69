import Foundation
import GRDB
import Shared
import Synchronization
import Testing
@testable import Coordinator

/// The store's change feed: a waiter on a run wakes when that run's stage or
/// state changes, and not for another run's.
@Suite("Change feed")
struct ChangeFeedTests {
    /// Leases and completes `model`'s work until iteration 0 of the run
    /// leaves the stage it is in.
    static func finishStage(_ harness: StoreHarness, runId: Int, model: String) async throws {
        let stage = try #require(try await harness.store.iteration(runId: runId, number: 0)).stage
        while try await harness.store.iteration(runId: runId, number: 0)?.stage == stage {
            let leases = try await harness.store.grantLeases(
                LeaseRequest(workerName: "w-\(model)", model: model, capacity: 4), now: Date())
            try #require(!leases.isEmpty, "run \(runId) has no work left in \(stage)")
            for lease in leases {
                _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
            }
        }
    }

    @Test("a stage change of the run wakes its waiter before the deadline; another run's changes do not")
    func stageChangeWakesWaiter() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let watched = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        var otherConfiguration = StoreFixtures.configuration(prompts: 2)
        otherConfiguration.model = "other-model"
        let other = try await harness.store.createRun(otherConfiguration, now: Date())
        let store = harness.store

        let mark = try await store.changeMark(runId: watched.runId)
        let otherMark = try await store.changeMark(runId: other.runId)
        let deadline = ContinuousClock.now + .seconds(20)
        let ended = Atomic<Bool>(false)
        let waiter = Task {
            defer { ended.store(true, ordering: .relaxed) }
            return try await store.waitForChange(runId: watched.runId, after: mark, until: deadline)
        }

        // The other run goes through all its stages and completes.
        try await Self.finishStage(harness, runId: other.runId, model: "other-model")
        try await Self.finishStage(harness, runId: other.runId, model: "other-model")
        #expect(try await store.run(id: other.runId).state == .completed)
        #expect(try await store.changeMark(runId: other.runId) != otherMark)
        #expect(try await store.changeMark(runId: watched.runId) == mark)
        let endedEarly = ended.load(ordering: .relaxed)
        #expect(!endedEarly)

        // The watched run's pre-sampling ends: presample → allocate → sample.
        try await Self.finishStage(harness, runId: watched.runId, model: "test-model")
        let woken = try await waiter.value
        #expect(ContinuousClock.now < deadline)
        #expect(woken != mark)
        #expect(try await store.iteration(runId: watched.runId, number: 0)?.stage == .sample)
    }

    @Test("a change between taking the mark and waiting ends the wait at once")
    func changeBeforeWaitIsNotMissed() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let mark = try await harness.store.changeMark(runId: run.runId)
        _ = try await harness.store.pause(runId: run.runId, now: Date())

        let deadline = ContinuousClock.now + .seconds(20)
        let next = try await harness.store.waitForChange(runId: run.runId, after: mark, until: deadline)
        #expect(ContinuousClock.now < deadline)
        #expect(next != mark)
        // Waiting after the new mark blocks again: here until a short deadline.
        let same = try await harness.store.waitForChange(
            runId: run.runId, after: next, until: ContinuousClock.now + .milliseconds(50))
        #expect(same == next)
    }

    @Test("every run-level change signals: pause, resume, cancel, and advance starting the next iteration")
    func runControlSignals() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration(strategy: .uniform, prompts: 2, iterations: 2)
        configuration.advance = .manual
        let run = try await harness.store.createRun(configuration, now: Date())
        let store = harness.store

        func changes(_ step: () async throws -> Void) async throws -> Bool {
            let before = try await store.changeMark(runId: run.runId)
            try await step()
            return try await store.changeMark(runId: run.runId) != before
        }
        #expect(try await changes { _ = try await store.pause(runId: run.runId, now: Date()) })
        #expect(try await changes { _ = try await store.resume(runId: run.runId, now: Date()) })
        #expect(try await changes { try await harness.drain() })
        #expect(try await store.run(id: run.runId).state == .waiting)
        #expect(try await changes { _ = try await store.advance(runId: run.runId, modelVersion: "v1", now: Date()) })
        #expect(try await changes { _ = try await store.cancel(runId: run.runId, now: Date()) })
        // A grant that changes no stage or state signals nothing.
        #expect(try await !changes { _ = try await store.grantLeases(
            LeaseRequest(workerName: "w1", model: "test-model", capacity: 4), now: Date()) })
    }

    @Test("any committed write of a stage signals, whatever wrote it; a rolled-back one does not")
    func signalsFollowCommits() async throws {
        struct Undo: Error {}
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let store = harness.store
        let setStage = "UPDATE iteration SET stage = 'allocate' WHERE runId = ? AND number = 0"

        let mark = try await store.changeMark(runId: run.runId)
        await #expect(throws: Undo.self) {
            try await store.pool.write { db in
                try db.execute(sql: setStage, arguments: [run.runId])
                throw Undo()
            }
        }
        #expect(try await store.changeMark(runId: run.runId) == mark)
        try await store.groupCommit.write { db in try db.execute(sql: setStage, arguments: [run.runId]) }
        #expect(try await store.changeMark(runId: run.runId) != mark)
    }

    @Test("a wait with no change ends at its deadline, or when its task is cancelled")
    func deadlineAndCancellation() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let store = harness.store
        let mark = try await store.changeMark(runId: run.runId)

        let deadline = ContinuousClock.now + .milliseconds(100)
        #expect(try await store.waitForChange(runId: run.runId, after: mark, until: deadline) == mark)
        #expect(ContinuousClock.now >= deadline)

        let far = ContinuousClock.now + .seconds(60)
        let waiter = Task { try await store.waitForChange(runId: run.runId, after: mark, until: far) }
        waiter.cancel()
        #expect(try await waiter.value == mark)
        #expect(ContinuousClock.now < far)
    }
}
