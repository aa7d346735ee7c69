import Foundation
import Logging
import Shared
import Synchronization
import Testing
import TestSupport
@testable import Worker

/// The daemon's loop against an in-memory coordinator and backend.
@Suite struct WorkerLoopTests {
    private func settings(concurrency: Int = 2, grace: Duration = .seconds(5)) -> WorkerLoopSettings {
        WorkerLoopSettings(
            workerName: "test-worker", model: "test-model", concurrency: concurrency,
            idleWait: .milliseconds(20), shutdownGrace: grace,
            backoff: Backoff(base: .milliseconds(1), cap: .milliseconds(5)),
            minimumHeartbeatInterval: .milliseconds(20))
    }

    /// A running loop and its shutdown events.
    private struct Running {
        let stopping: OneShotEvent
        let graceOver = OneShotEvent()
        let task: Task<Void, Never>

        init(_ loop: WorkerLoop, stopping: OneShotEvent = OneShotEvent()) {
            self.stopping = stopping
            let graceOver = graceOver
            task = Task { await loop.run(stopping: stopping, graceOver: graceOver) }
        }

        func stop() async {
            stopping.fire()
            await task.value
        }
    }

    private func loop(_ coordinator: FakeCoordinator, _ backend: FakeBackend, _ settings: WorkerLoopSettings) -> WorkerLoop {
        WorkerLoop(coordinator: coordinator, processor: LeaseProcessor(backend: backend), settings: settings, logger: .silent)
    }

    @Test func submitsEveryLeaseAndAsksForFreeSlotsTimesEight() async throws {
        let leases = (0..<5).map { TestLeases.make(id: "lease-\($0)", sampleCount: 3) }
        let coordinator = FakeCoordinator(leases: leases)
        let running = Running(loop(coordinator, .correct(), settings(concurrency: 2)))
        #expect(try await eventually { coordinator.submittedIds.count == 5 })
        await running.stop()
        #expect(Set(coordinator.submittedIds) == Set(leases.map(\.leaseId)))
        let results = coordinator.state.withLock { $0.submissions.map(\.result) }
        #expect(results.allSatisfy { $0.generated == 3 && $0.samples.count == 3 })
        let requests = coordinator.state.withLock { $0.requests }
        #expect(requests.first == LeaseRequest(workerName: "test-worker", model: "test-model", capacity: 16))
        #expect(requests.allSatisfy { $0.capacity > 0 && $0.capacity <= 16 && $0.capacity % 8 == 0 })
        #expect(coordinator.releases.isEmpty)
    }

    @Test func neverRunsMoreLeasesThanItsConcurrency() async throws {
        let leases = (0..<6).map { TestLeases.make(id: "lease-\($0)", sampleCount: 1) }
        let coordinator = FakeCoordinator(leases: leases)
        let active = Locked((now: 0, peak: 0))
        let backend = FakeBackend { lease in
            active.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            // Hold the slot until a second lease runs beside it (or a while).
            _ = try await eventually(timeout: .seconds(1)) { active.withLock { $0.now >= 2 } }
            try await Task.sleep(for: .milliseconds(10))
            active.withLock { $0.now -= 1 }
            return try await FakeBackend.correct().generate(lease)
        }
        let running = Running(loop(coordinator, backend, settings(concurrency: 2)))
        #expect(try await eventually { coordinator.submittedIds.count == 6 })
        await running.stop()
        #expect(active.withLock { $0.peak } == 2)
    }

    @Test func engineFailureReleasesTheLeaseAndWorkGoesOn() async throws {
        let leases = [TestLeases.make(id: "bad"), TestLeases.make(id: "good")]
        let coordinator = FakeCoordinator(leases: leases)
        let backend = FakeBackend { lease in
            if lease.leaseId == "bad" { throw EngineDown() }
            return try await FakeBackend.correct().generate(lease)
        }
        let running = Running(loop(coordinator, backend, settings()))
        #expect(try await eventually { coordinator.submittedIds == ["good"] && coordinator.releases.count == 1 })
        await running.stop()
        #expect(coordinator.releases.first?.leaseId == "bad")
        #expect(coordinator.releases.first?.reason == "lease failed: test engine is down")
        #expect(coordinator.releases.first?.kind == .other)
    }

    @Test func unreachableCoordinatorIsRetriedUntilItAnswers() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "late")], unavailableRequests: 4)
        let running = Running(loop(coordinator, .correct(), settings()))
        #expect(try await eventually { coordinator.submittedIds == ["late"] })
        await running.stop()
        #expect(coordinator.state.withLock { $0.requests.count } >= 5)
    }

    @Test func aRefusedCredentialEndsTheLoopAtOnceWithoutRetrying() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "never")])
        coordinator.state.withLock { $0.refusedCredential = 401 }
        // No shutdown signal: the refusal alone ends the run, and is returned for exit status 64.
        let refusal = await loop(coordinator, .correct(), settings()).run(stopping: OneShotEvent(), graceOver: OneShotEvent())
        #expect(refusal == CredentialRefusal(status: 401, message: "test: token refused"))
        #expect(coordinator.state.withLock { $0.requests.count } == 1)
        #expect(coordinator.submittedIds.isEmpty)
    }

    @Test func waitsTheCoordinatorsRetryAfterWhenThereIsNoWork() async throws {
        let coordinator = FakeCoordinator(leases: [])
        coordinator.state.withLock { $0.retryAfterSeconds = 0.2 }
        let running = Running(loop(coordinator, .correct(), settings()))
        #expect(try await eventually { coordinator.state.withLock { $0.requestTimes.count } >= 3 })
        await running.stop()
        let times = coordinator.state.withLock { $0.requestTimes }
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later - earlier >= .milliseconds(195))
        }
    }

    @Test func shutdownFinishesLeasesThatCompleteWithinTheGracePeriod() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "slow")])
        let running = Running(loop(coordinator, .correct(after: .milliseconds(300)), settings(grace: .seconds(30))))
        #expect(try await eventually { coordinator.state.withLock { $0.queued.isEmpty } })
        let started = ContinuousClock.now
        await running.stop()
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(coordinator.submittedIds == ["slow"])
        #expect(coordinator.releases.isEmpty)
        // No lease requests after the stop.
        let requests = coordinator.state.withLock { $0.requests.count }
        try await Task.sleep(for: .milliseconds(50))
        #expect(coordinator.state.withLock { $0.requests.count } == requests)
    }

    @Test func shutdownReleasesLeasesThatOutliveTheGracePeriod() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "stuck")])
        let running = Running(loop(coordinator, .correct(after: .seconds(60)), settings(grace: .milliseconds(100))))
        #expect(try await eventually { coordinator.state.withLock { $0.queued.isEmpty } })
        let started = ContinuousClock.now
        await running.stop()
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(coordinator.submittedIds.isEmpty)
        #expect(coordinator.releases.map(\.leaseId) == ["stuck"])
        #expect(coordinator.releases.first?.reason == "worker shutting down")
        #expect(coordinator.releases.first?.kind == .shutdown)
    }

    @Test func secondSignalEndsTheGracePeriodAtOnce() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "stuck")])
        let running = Running(loop(coordinator, .correct(after: .seconds(60)), settings(grace: .seconds(60))))
        #expect(try await eventually { coordinator.state.withLock { $0.queued.isEmpty } })
        running.stopping.fire()
        running.graceOver.fire()
        await running.task.value
        #expect(coordinator.releases.map(\.leaseId) == ["stuck"])
    }

    @Test func leasesGrantedAsTheStopArrivesAreReleased() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "late-grant")])
        let stopping = OneShotEvent()
        coordinator.state.withLock { $0.beforeAnswer = { stopping.fire() } }
        let running = Running(loop(coordinator, .correct(), settings()), stopping: stopping)
        await running.task.value
        #expect(coordinator.submittedIds.isEmpty)
        #expect(coordinator.releases.map(\.leaseId) == ["late-grant"])
    }

    @Test func heartbeatsKeepALongLeaseAlive() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "long", expiresIn: 0.15)])
        // Generation outlasts the lease's first lifetime: it ends only once
        // three heartbeats have gone out.
        let backend = FakeBackend { lease in
            _ = try await eventually { coordinator.state.withLock { $0.heartbeats.count >= 3 } }
            return try await FakeBackend.correct().generate(lease)
        }
        let running = Running(loop(coordinator, backend, settings()))
        #expect(try await eventually { coordinator.submittedIds == ["long"] })
        await running.stop()
        let heartbeats = coordinator.state.withLock { $0.heartbeats }
        #expect(heartbeats.count >= 3 && heartbeats.allSatisfy { $0 == "long" })
    }

    @Test func leaseTakenBackByTheCoordinatorIsDropped() async throws {
        let coordinator = FakeCoordinator(leases: [TestLeases.make(id: "reissued", expiresIn: 0.15)])
        coordinator.state.withLock { _ = $0.revoked.insert("reissued") }
        let cancelled = Locked(false)
        let backend = FakeBackend { _ in
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                cancelled.withLock { $0 = true }
                throw error
            }
            return []
        }
        let running = Running(loop(coordinator, backend, settings()))
        #expect(try await eventually { cancelled.withLock { $0 } })
        await running.stop()
        #expect(coordinator.submittedIds.isEmpty)
        #expect(coordinator.releases.isEmpty)
    }

    @Test func heartbeatIntervalIsAThirdOfTheRemainingLifetime() {
        let loop = loop(FakeCoordinator(leases: []), .correct(), settings())
        let interval = loop.heartbeatInterval(until: Date(timeIntervalSinceNow: 30))
        #expect(interval > .milliseconds(9_900) && interval <= .seconds(10))
        #expect(loop.heartbeatInterval(until: Date(timeIntervalSinceNow: -5)) == .milliseconds(20))
    }
}
