import Foundation
import Shared
import Testing
@testable import Coordinator

/// Release kinds, the retry budget `maxAttemptsPerUnit`, and the repeat rule.
@Suite("Retry budget and repeats")
struct RetryBudgetTests {
    static func configuration(attempts: Int, leaseSeconds: Double = 60) -> RunConfiguration {
        var configuration = StoreHarness.configuration(strategy: .uniform, prompts: 2, maxSamplesPerLease: 8, leaseSeconds: leaseSeconds)
        configuration.maxAttemptsPerUnit = attempts
        return configuration
    }

    static func grant(_ harness: StoreHarness, now: Date = Date()) async throws -> [Lease] {
        try await harness.store.grantLeases(LeaseRequest(workerName: "w1", model: "test-model", capacity: 64), now: now)
    }

    @Test("the rule: counted failures use the budget, shutdowns do not, 0 is unlimited")
    func rule() {
        let budget = RetryBudget(maxAttempts: 3)
        #expect(budget.afterFailure(attempts: 0, counts: true) == (1, false))
        #expect(budget.afterFailure(attempts: 2, counts: true) == (3, true))
        #expect(budget.afterFailure(attempts: 2, counts: false) == (2, false))
        #expect(RetryBudget(maxAttempts: 0).afterFailure(attempts: 1_000, counts: true) == (1_001, false))
        #expect(ReleaseKind.allCases.filter { !$0.countsAsAttempt } == [.shutdown, .versionUnavailable])
        #expect(LeaseRelease(reason: "old worker").effectiveKind == .other)
    }

    @Test("a poison prompt stops after its budget, the iteration completes, and history shows why")
    func poisonPrompt() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(attempts: 3), now: Date())
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        let poison = records[0].promptId
        var releases = 0
        while true {
            let leases = try await Self.grant(harness)
            if leases.isEmpty { break }
            for lease in leases {
                if lease.promptId == poison {
                    releases += 1
                    try await harness.store.release(
                        leaseId: lease.leaseId, release: LeaseRelease(reason: "engine said 500 (\(releases))", kind: .engineError), now: Date())
                } else {
                    _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreHarness.result(for: lease), now: Date())
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

    @Test("shutdown and version-unavailable releases do not count; old workers' releases count as other")
    func uncountedKinds() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(attempts: 2), now: Date())
        for round in 0..<6 {
            for lease in try await Self.grant(harness) {
                let kind: ReleaseKind = round % 2 == 0 ? .shutdown : .versionUnavailable
                try await harness.store.release(leaseId: lease.leaseId, release: LeaseRelease(reason: "stopping", kind: kind), now: Date())
            }
        }
        #expect(try await harness.store.iterations(runId: run.runId)[0].samplesFailed == 0)
        // One release without a kind counts once; a second one fails the unit.
        for _ in 0..<2 {
            for lease in try await Self.grant(harness) {
                try await harness.store.release(leaseId: lease.leaseId, reason: "no kind", now: Date())
            }
        }
        #expect(try await harness.store.iterations(runId: run.runId)[0].samplesFailed == 16)
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    @Test("expiries use the budget, and a late result for a failed unit is refused")
    func expiries() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(attempts: 2, leaseSeconds: 10), now: Date())
        let start = Date()
        let first = try await Self.grant(harness, now: start)
        #expect(first.count == 2)
        // Both leases expire; the units are granted again and expire again.
        let second = try await Self.grant(harness, now: start.addingTimeInterval(11))
        #expect(second.count == 2)
        #expect(try await Self.grant(harness, now: start.addingTimeInterval(22)).isEmpty)
        #expect(try await harness.store.run(id: run.runId).state == .completed)
        #expect(try await harness.store.iterations(runId: run.runId)[0].samplesFailed == 16)
        let late = second[0]
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.submit(leaseId: late.leaseId, result: StoreHarness.result(for: late), now: start.addingTimeInterval(23))
        }
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100).isEmpty)
    }

    @Test("0 means unlimited attempts")
    func unlimited() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(attempts: 0), now: Date())
        for _ in 0..<12 {
            for lease in try await Self.grant(harness) {
                try await harness.store.release(leaseId: lease.leaseId, release: LeaseRelease(reason: "x", kind: .timeout), now: Date())
            }
        }
        #expect(try await harness.store.run(id: run.runId).state == .active)
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }

    @Test("a repeat is one only if it decodes to the same result: a different body gets 409 and stores nothing")
    func repeats() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(attempts: 5), now: Date())
        let lease = try #require(try await Self.grant(harness).first)
        let result = StoreHarness.result(for: lease)
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
        } catch let error as CoordinatorError {
            #expect(error.kind == .conflict && error.message.contains("different result"))
        }
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 100) == before)
    }
}
