import Foundation
import Shared
import Testing
@testable import Coordinator

/// Release kinds, the retry budget `maxAttemptsPerUnit`, and the repeat rule,
/// as every engine must keep them.
@Suite("Store conformance: retry budget and repeats")
struct RetryBudgetConformanceTests {
    static func configuration(attempts: Int, leaseSeconds: Double = 60) -> RunConfiguration {
        var configuration = StoreFixtures.configuration(strategy: .uniform, prompts: 2, maxSamplesPerLease: 8, leaseSeconds: leaseSeconds)
        configuration.maxAttemptsPerUnit = attempts
        return configuration
    }

    @Test("a poison prompt stops after its budget, the iteration completes, and history shows why", arguments: StoreEngine.all)
    func poisonPrompt(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(attempts: 3))
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        let poison = records[0].promptId
        var releases = 0
        while true {
            let leases = try await harness.grant()
            if leases.isEmpty { break }
            for lease in leases {
                if lease.promptId == poison {
                    releases += 1
                    try await harness.store.release(
                        leaseId: lease.leaseId, release: LeaseRelease(reason: "engine said 500 (\(releases))", kind: .engineError), now: Date())
                } else {
                    _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
                }
            }
        }
        #expect(releases == 3)
        let done = try await harness.store.run(id: run.runId)
        #expect(done.state == .completed && done.stage == .done)

        let history = try await harness.store.promptHistory(runId: run.runId, promptId: poison)
        let record = try #require(history.first)
        #expect(record.failedUnits == [FailedUnitRecord(stage: .sample, firstSampleIndex: 0, sampleCount: 8, attempts: 3)])
        #expect(record.releases.map(\.kind) == [.engineError, .engineError, .engineError])
        #expect(record.releases.map(\.reason) == (1...3).map { "engine said 500 (\($0))" })
        #expect(record.sample.samples == 0)
        let summary = try #require(try await harness.store.iterations(runId: run.runId).first)
        #expect(summary.samplesFailed == 8 && summary.samplesGenerated == 8)
        #expect(try await harness.store.status(now: Date()).runs[0].samplesFailed == 8)
        let worker = try #require(try await harness.store.workers(now: Date()).first)
        #expect(worker.releases.byKind == ["engine-error": 3] && worker.releases.lastReason == "engine said 500 (3)")
    }

    @Test("shutdown and version-unavailable releases do not count; old workers' releases count as other", arguments: StoreEngine.all)
    func uncountedKinds(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(attempts: 2))
        for round in 0..<6 {
            for lease in try await harness.grant() {
                let kind: ReleaseKind = round % 2 == 0 ? .shutdown : .versionUnavailable
                try await harness.store.release(leaseId: lease.leaseId, release: LeaseRelease(reason: "stopping", kind: kind), now: Date())
            }
        }
        #expect(try await harness.store.iterations(runId: run.runId)[0].samplesFailed == 0)
        // One release without a kind counts once; a second one fails the unit.
        for _ in 0..<2 {
            for lease in try await harness.grant() {
                try await harness.store.release(leaseId: lease.leaseId, reason: "no kind", now: Date())
            }
        }
        #expect(try await harness.store.iterations(runId: run.runId)[0].samplesFailed == 16)
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    @Test("expiries use the budget, and a late result for a failed unit is refused", arguments: StoreEngine.all)
    func expiries(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(attempts: 2, leaseSeconds: 10))
        let start = Date()
        let first = try await harness.grant(now: start)
        #expect(first.count == 2)
        // Both leases expire; the units are granted again and expire again.
        let second = try await harness.grant(now: start.addingTimeInterval(11))
        #expect(second.count == 2)
        #expect(try await harness.grant(now: start.addingTimeInterval(22)).isEmpty)
        #expect(try await harness.store.run(id: run.runId).state == .completed)
        #expect(try await harness.store.iterations(runId: run.runId)[0].samplesFailed == 16)
        let late = second[0]
        await #expect(throws: RequestRefusal.self) {
            try await harness.store.submit(leaseId: late.leaseId, result: StoreFixtures.result(for: late), now: start.addingTimeInterval(23))
        }
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100).isEmpty)
    }

    @Test("0 means unlimited attempts", arguments: StoreEngine.all)
    func unlimited(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(attempts: 0))
        for _ in 0..<12 {
            for lease in try await harness.grant() {
                try await harness.store.release(leaseId: lease.leaseId, release: LeaseRelease(reason: "x", kind: .timeout), now: Date())
            }
        }
        #expect(try await harness.store.run(id: run.runId).state == .active)
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    @Test("a repeat is one only if it decodes to the same result: a different body gets 409 and stores nothing", arguments: StoreEngine.all)
    func repeats(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, Self.configuration(attempts: 5))
        let lease = try #require(try await harness.grant().first)
        let result = StoreFixtures.result(for: lease)
        let receipt = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        let again = try await harness.store.submit(leaseId: lease.leaseId, result: result, now: Date())
        #expect(again.duplicate && again.recordedSamples == receipt.recordedSamples)

        var different = result
        different.samples = [SampleResult(
            sampleIndex: lease.firstSampleIndex, response: "forged \\boxed{1}", reward: 1, gradNorm: 1, completionTokens: 1, finishReason: .stop)]
        let before = try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100)
        do {
            _ = try await harness.store.submit(leaseId: lease.leaseId, result: different, now: Date())
            Issue.record("a different result for a finished lease must be refused")
        } catch let error as RequestRefusal {
            #expect(error.kind == .conflict && error.message.contains("different result"))
        }
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100) == before)
    }
}
