import Foundation
import Shared
import Testing
@testable import Coordinator

/// Sample stages in rounds: each prompt's rounds follow its results, stop as
/// the rules say, hold its cap, and report what they leave unspent; across a
/// restart, and when a round fails.
@Suite("Store conformance: sample rounds")
struct RoundsConformanceTests {
    static func configuration(_ algorithm: TrainingAlgorithm, attempts: Int = 5) -> RunConfiguration {
        var configuration = StoreFixtures.configuration(strategy: .uniform, algorithm: algorithm)
        configuration.samplesPerPrompt = 16
        configuration.rounds = SampleRounds(size: 4)
        configuration.rounds?.resolve(for: algorithm)
        configuration.maxAttemptsPerUnit = attempts
        return configuration
    }

    /// What the rules give a prompt with cap 16 and the fixture's samples,
    /// played round by round outside the store.
    static func expected(promptId: Int, rounds: SampleRounds, cap: Int = 16) -> (drawn: Int, stop: SampleRounds.Stop) {
        var progress = SampleRounds.Progress(drawn: 0, accepted: 0, wrong: 0)
        var size = rounds.firstRound(cap: cap)
        while let round = size {
            for index in progress.drawn..<(progress.drawn + round) {
                if StoreFixtures.accepts(promptId: promptId, sampleIndex: index) { progress.accepted += 1 } else { progress.wrong += 1 }
            }
            progress.drawn += round
            switch rounds.decide(cap: cap, progress: progress) {
            case .next(let next): size = next
            case .stop(let stop): return (progress.drawn, stop)
            }
        }
        return (0, .cap)
    }

    static func check(_ harness: StoreConformanceHarness, runId: Int, configuration: RunConfiguration) async throws {
        let records = try await harness.store.promptStatistics(runId: runId, iteration: 0)
        let rounds = try #require(configuration.rounds)
        var unspent = 0
        for record in records {
            let want = Self.expected(promptId: record.promptId, rounds: rounds)
            #expect(record.allocatedCount == 16)
            #expect(record.sample.samples == want.drawn, "prompt \(record.promptId)")
            #expect(record.roundStop == want.stop && record.unspent == 16 - want.drawn, "prompt \(record.promptId)")
            unspent += 16 - want.drawn
        }
        #expect(unspent > 0, "the fixture must let some prompts stop early")
        let summary = try #require(try await harness.store.iteration(runId: runId, number: 0))
        #expect(summary.unspent == unspent)
        #expect(summary.samplesGenerated == 320 - unspent)
        let export = try await harness.store.allocationExport(runId: runId, iteration: 0)
        #expect(export.unspent == unspent)
        #expect(export.allocated.map { $0.unspent ?? -1 } == records.sorted { $0.promptId < $1.promptId }.map { $0.unspent ?? -2 })
        let status = try #require(try await harness.store.status(now: Date()).runs.first { $0.runId == runId })
        #expect(status.unspent == unspent && status.progress.samplesTotal == status.progress.samplesDone)
    }

    @Test("RAFT and GRPO rounds stop as the rules say, within every cap, and report the unspent budget",
          arguments: StoreEngine.all, [TrainingAlgorithm.raft, .grpo])
    func roundsFollowResults(engine: StoreEngine, algorithm: TrainingAlgorithm) async throws {
        let configuration = Self.configuration(algorithm)
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, configuration)
        // Only first rounds are queued at the start: one unit of 4 per prompt.
        let first = try await harness.grant(capacity: 1_000)
        #expect(first.count == 20 && first.allSatisfy { $0.sampleCount == 4 && $0.firstSampleIndex == 0 })
        for lease in first.shuffled() {
            _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
        }
        try await harness.drain()
        #expect(try await harness.store.run(id: run.runId).state == .completed)
        try await Self.check(harness, runId: run.runId, configuration: configuration)
    }

    @Test("a restart in the middle of the rounds loses and double-counts nothing", arguments: StoreEngine.all)
    func restartMidRound(engine: StoreEngine) async throws {
        let configuration = Self.configuration(.raft)
        var (harness, run) = try await StoreConformanceHarness.withRun(engine, configuration)
        // Two passes of rounds, one lease left in flight, then a restart.
        for _ in 0..<2 {
            for lease in try await harness.grant(capacity: 1_000) {
                _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
            }
        }
        let inFlight = try #require(try await harness.grant(capacity: 1).first)
        try harness.reopen()
        _ = try await harness.store.submit(leaseId: inFlight.leaseId, result: StoreFixtures.result(for: inFlight), now: Date())
        try await harness.drain()
        try await Self.check(harness, runId: run.runId, configuration: configuration)
    }

    @Test("a round that uses up its attempts stops its prompt, counted as drawn", arguments: StoreEngine.all)
    func failedRound(engine: StoreEngine) async throws {
        let configuration = Self.configuration(.raft, attempts: 1)
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, configuration)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        // A prompt with no accepted sample would draw its whole cap; its second round fails.
        let poison = try #require(records.first { $0.promptId % 5 == 0 }).promptId
        var released = false
        while true {
            let leases = try await harness.grant()
            if leases.isEmpty { break }
            for lease in leases {
                if lease.promptId == poison, lease.firstSampleIndex == 4 {
                    try await harness.store.release(
                        leaseId: lease.leaseId, release: LeaseRelease(reason: "engine down", kind: .engineError), now: Date())
                    released = true
                } else {
                    _ = try await harness.store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
                }
            }
        }
        #expect(released)
        let record = try #require(try await harness.store.promptHistory(runId: run.runId, promptId: poison).first)
        #expect(record.roundStop == .failed && record.unspent == 8 && record.sample.samples == 4)
        #expect(record.failedUnits == [FailedUnitRecord(stage: .sample, firstSampleIndex: 4, sampleCount: 4, attempts: 1)])
        #expect(try await harness.store.run(id: run.runId).state == .completed)
    }
}
