import Foundation
import GRDB
import Shared
import Testing
@testable import Coordinator

/// Stages whose units take more than one batch: the 20-prompt fixture with
/// many pre-samples (or samples) per prompt in small leases.
@Suite("Work units queued in bounded batches")
struct BatchedWorkQueueingTests {
    static func configuration(
        strategy: AllocationStrategyName = .gvm, presamples: Int, samplesPerPrompt: Int = 8, maxSamplesPerLease: Int
    ) -> RunConfiguration {
        RunConfiguration(
            dataset: "math500", model: "test-model", strategy: strategy, presamples: presamples,
            samplesPerPrompt: samplesPerPrompt, promptsPerIteration: 20, maxSamplesPerLease: maxSamplesPerLease, seed: 11)
    }

    /// A unit as the old single-transaction queueing made it.
    struct UnitKey: Hashable {
        var stage: String
        var promptId: Int
        var firstSampleIndex: Int
        var sampleCount: Int
        var seed: Int
    }

    static func units(_ store: SQLiteStore, runId: Int, iteration: Int = 0) async throws -> [UnitKey] {
        try await store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM workUnit WHERE runId = ? AND iteration = ? ORDER BY id", arguments: [runId, iteration]
            ).map {
                UnitKey(
                    stage: $0["stage"], promptId: $0["promptId"], firstSampleIndex: $0["firstSampleIndex"],
                    sampleCount: $0["sampleCount"], seed: $0["seed"])
            }
        }
    }

    /// Every unit of `stage`: each prompt's samples sliced in one pass, with
    /// the seeds of `RunDeterminism.leaseSeed`.
    static func expectedUnits(
        stage: SamplingStage, counts: [(promptId: Int, count: Int)], configuration: RunConfiguration
    ) -> [UnitKey] {
        counts.flatMap { promptId, count in
            IterationPlanner.slices(count: count, maxPerLease: configuration.maxSamplesPerLease).map {
                UnitKey(
                    stage: stage.rawValue, promptId: promptId, firstSampleIndex: $0.firstSampleIndex, sampleCount: $0.sampleCount,
                    seed: RunDeterminism.leaseSeed(
                        runSeed: configuration.leaseSeedBase, iteration: 0, stage: stage, promptId: promptId,
                        firstSampleIndex: $0.firstSampleIndex))
            }
        }
    }

    @Test("run creation writes one batch; each later write queues at most its limit, until the plan is gone")
    func creationWritesBoundedBatches() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        // 20 prompts x 251 pre-samples in leases of 2: 126 units each, 2,520 in all.
        let run = try await harness.store.createRun(Self.configuration(presamples: 251, maxSamplesPerLease: 2), now: Date())
        #expect(try await Self.units(harness.store, runId: run.runId).count == WorkQueueing.unitsPerBatch)
        #expect(try await harness.store.unqueuedStages() == [
            UnqueuedStage(
                runId: run.runId, iteration: 0, stage: .presample, plannedUnits: 2520, queuedUnits: WorkQueueing.unitsPerBatch),
        ])

        var written: [Int] = []
        while let units = try await harness.store.queueNextWorkBatch(limit: 200, now: Date()) {
            written.append(units)
            #expect(try await Self.units(harness.store, runId: run.runId).count == 2000 + written.reduce(0, +))
        }
        #expect(written == [200, 200, 120])
        #expect(try await harness.store.unqueuedStages().isEmpty)
        #expect(try await harness.store.run(id: run.runId).stage == .presample)
    }

    @Test("a coordinator restarted between batches goes on from the last one and ends with exactly the units of one pass")
    func crashBetweenBatchesResumes() async throws {
        var harness = try StoreHarness()
        _ = try await harness.importMath500()
        let configuration = Self.configuration(presamples: 251, maxSamplesPerLease: 2)
        let run = try await harness.store.createRun(configuration, now: Date())
        #expect(try await harness.store.queueNextWorkBatch(limit: 333, now: Date()) == 333)

        try harness.reopen()
        let batches = try await WorkQueuer(store: harness.store, logger: .init(label: "test"), unitsPerBatch: 50).processPending()
        #expect(batches == 4)  // 2,520 - 2,000 - 333 = 187 units
        let batch = try await harness.store.promptStatistics(runId: run.runId, iteration: 0).map(\.promptId)
        let units = try await Self.units(harness.store, runId: run.runId)
        #expect(units == Self.expectedUnits(stage: .presample, counts: batch.map { ($0, 251) }, configuration: configuration))
        #expect(Set(units).count == units.count)
    }

    @Test("the sample stage of a uniform run is queued in batches too, from the n_i it recorded")
    func sampleStageInBatches() async throws {
        var harness = try StoreHarness()
        _ = try await harness.importMath500()
        // No pre-sampling: the budget of 20 x 250 samples, in leases of 1.
        let configuration = Self.configuration(strategy: .uniform, presamples: 0, samplesPerPrompt: 250, maxSamplesPerLease: 1)
        let run = try await harness.store.createRun(configuration, now: Date())
        #expect(run.stage == .sample)
        #expect(try await Self.units(harness.store, runId: run.runId).count == WorkQueueing.unitsPerBatch)
        #expect(try await harness.store.queueNextWorkBatch(limit: 1000, now: Date()) == 1000)
        try harness.reopen()
        try await WorkQueuer(store: harness.store, logger: .init(label: "test")).processPending()

        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.map(\.allocatedCount) == Array(repeating: 250, count: 20))
        let units = try await Self.units(harness.store, runId: run.runId)
        #expect(units == Self.expectedUnits(
            stage: .sample, counts: records.map { ($0.promptId, $0.allocatedCount ?? 0) }, configuration: configuration))
    }

    @Test("an iteration does not leave a stage while some of its units are still to be queued")
    func stageWaitsForUnqueuedUnits() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        // 2,100 pre-sample units: the first write queues 2,000 of them.
        let run = try await harness.store.createRun(Self.configuration(presamples: 105, maxSamplesPerLease: 1), now: Date())
        // Grants hand out what is queued; every queued unit is done.
        #expect(try await harness.drain() == WorkQueueing.unitsPerBatch)
        #expect(try await harness.store.run(id: run.runId).stage == .presample)
        #expect(try await harness.store.promptStatistics(runId: run.runId, iteration: 0).allSatisfy { $0.allocatedCount == nil })

        #expect(try await WorkQueuer(store: harness.store, logger: .init(label: "test")).processPending() == 1)
        // The last 100 pre-samples, then the 160 samples in leases of one.
        #expect(try await harness.drain() == 100 + 160)
        let done = try await harness.store.run(id: run.runId)
        #expect(done.state == .completed && done.stage == .done)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.allSatisfy { $0.presample.samples == 105 && $0.sample.samples == $0.allocatedCount })
    }

    @Test("a stage whose queued units are all done moves on when the queuer's last batch, of prompts without samples, is written")
    func lastBatchCompletesTheStage() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        // 20 prompts x 8 pre-samples, then a budget of 20 x 101 samples in leases of one.
        let run = try await harness.store.createRun(
            Self.configuration(presamples: 8, samplesPerPrompt: 101, maxSamplesPerLease: 1), now: Date())
        let batchIndex = Dictionary(
            uniqueKeysWithValues: try await harness.store.promptStatistics(runId: run.runId, iteration: 0).map {
                ($0.promptId, $0.batchIndex)
            })
        // Only the first half of the batch accepts anything, so the second
        // half is allocated nothing, and its 2,020 sample units sit in the
        // first half: the last presample's transaction queues 2,000 of them.
        func drain() async throws -> Int {
            var completed = 0
            while true {
                let leases = try await harness.store.grantLeases(
                    LeaseRequest(workerName: "w1", model: "test-model", capacity: 64), now: Date())
                if leases.isEmpty { return completed }
                for lease in leases {
                    let accepting = batchIndex[lease.promptId]! < 10
                    let samples = (lease.firstSampleIndex..<lease.firstSampleIndex + lease.sampleCount)
                        .filter { accepting && $0 % 2 == 0 }
                        .map {
                            SampleResult(
                                sampleIndex: $0, response: "\\boxed{x}", reward: 1, gradNorm: 1, completionTokens: 5,
                                finishReason: .stop)
                        }
                    _ = try await harness.store.submit(
                        leaseId: lease.leaseId, result: LeaseResult(generated: lease.sampleCount, samples: samples), now: Date())
                    completed += 1
                }
            }
        }
        #expect(try await drain() == 160 + 2000)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(records.allSatisfy { ($0.batchIndex < 10) == (($0.allocatedCount ?? 0) > 0) })
        #expect(records.compactMap(\.allocatedCount).reduce(0, +) == 2020)

        // Batches of one: the last 20 units, each done before the next is
        // written, then one empty batch per prompt of the second half.
        var batches: [Int] = []
        while let written = try await harness.store.queueNextWorkBatch(limit: 1, now: Date()) {
            batches.append(written)
            #expect(try await drain() == written)
            let summary = try await harness.store.run(id: run.runId)
            let planLeft = try await !harness.store.unqueuedStages().isEmpty
            #expect(planLeft == (summary.stage == .sample), "the stage ends exactly when its plan does")
        }
        #expect(batches == Array(repeating: 1, count: 20) + Array(repeating: 0, count: 10))
        let done = try await harness.store.run(id: run.runId)
        #expect(done.state == .completed && done.stage == .done)
    }

    @Test("the queuer, running beside the store, writes every remaining batch by itself and stops when cancelled",
          .timeLimit(.minutes(1)))
    func queuerRunsByItself() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(presamples: 251, maxSamplesPerLease: 2), now: Date())
        let queuer = WorkQueuer(
            store: harness.store, logger: .init(label: "test"), unitsPerBatch: 100, pollInterval: .milliseconds(5))
        let service = Task { try await queuer.run() }
        while try await !harness.store.unqueuedStages().isEmpty {
            try await Task.sleep(for: .milliseconds(5))
        }
        service.cancel()
        try await service.value
        #expect(try await Self.units(harness.store, runId: run.runId).count == 2520)
    }

    @Test("a plan whose prompts are missing from the database is refused instead of being looped on")
    func damagedPlanIsRefused() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(presamples: 251, maxSamplesPerLease: 2), now: Date())
        try await harness.store.pool.write { db in
            try db.execute(sql: "DELETE FROM iterationPrompt WHERE runId = ? AND batchIndex >= 15", arguments: [run.runId])
        }
        await #expect(throws: RequestRefusal.self) { try await harness.store.queueNextWorkBatch(now: Date()) }
        #expect(try await Self.units(harness.store, runId: run.runId).count == WorkQueueing.unitsPerBatch)
    }

    @Test("a cancelled run's plan is dropped, and nothing more of it is queued")
    func cancelledRunDropsItsPlan() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(Self.configuration(presamples: 251, maxSamplesPerLease: 2), now: Date())
        _ = try await harness.store.cancel(runId: run.runId, now: Date())
        #expect(try await harness.store.queueNextWorkBatch(now: Date()) == 0)
        #expect(try await harness.store.queueNextWorkBatch(now: Date()) == nil)
        #expect(try await Self.units(harness.store, runId: run.runId).count == WorkQueueing.unitsPerBatch)
    }
}
