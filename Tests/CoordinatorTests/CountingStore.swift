import Foundation
import Shared
import Synchronization
@testable import Coordinator

/// A `CoordinatorStore` that forwards to a SQLite store and counts the reads
/// a waiting route would repeat if it polled: runs, and iterations (all of
/// them, or one).
final class CountingStore: CoordinatorStore {
    struct Reads: Sendable, Equatable {
        var run = 0
        var iterations = 0
        var iteration = 0
    }

    let base: SQLiteStore
    let reads = Mutex(Reads())

    init(_ base: SQLiteStore) {
        self.base = base
    }

    var counted: Reads { reads.withLock { $0 } }

    // The counted reads.
    func run(id: Int) async throws -> RunSummary {
        reads.withLock { $0.run += 1 }
        return try await base.run(id: id)
    }

    func iterations(runId: Int) async throws -> [IterationSummary] {
        reads.withLock { $0.iterations += 1 }
        return try await base.iterations(runId: runId)
    }

    func iteration(runId: Int, number: Int) async throws -> IterationSummary? {
        reads.withLock { $0.iteration += 1 }
        return try await base.iteration(runId: runId, number: number)
    }

    // Everything else, as it is.
    func changeMark(runId: Int) async throws -> RunChangeMark { try await base.changeMark(runId: runId) }
    func waitForChange(runId: Int, after mark: RunChangeMark, until deadline: ContinuousClock.Instant) async throws -> RunChangeMark {
        try await base.waitForChange(runId: runId, after: mark, until: deadline)
    }
    func beginDatasetImport(name: String, contentHash: String, options: DatasetImportOptions, now: Date) async throws -> DatasetImportStart {
        try await base.beginDatasetImport(name: name, contentHash: contentHash, options: options, now: now)
    }
    func appendDatasetPrompts(_ batch: DatasetBatcher.Batch, importId: Int64) async throws {
        try await base.appendDatasetPrompts(batch, importId: importId)
    }
    func finishDatasetImport(importId: Int64, promptCount: Int, now: Date) async throws -> DatasetSummary {
        try await base.finishDatasetImport(importId: importId, promptCount: promptCount, now: now)
    }
    func discardDatasetImport(importId: Int64) async throws { try await base.discardDatasetImport(importId: importId) }
    func unfinishedDatasetImports() async throws -> [UnfinishedDatasetImport] { try await base.unfinishedDatasetImports() }
    func importDataset(_ dataset: ParsedDataset, now: Date) async throws -> DatasetSummary {
        try await base.importDataset(dataset, now: now)
    }
    func datasets() async throws -> [DatasetSummary] { try await base.datasets() }
    func createRun(_ configuration: RunConfiguration, now: Date) async throws -> RunSummary {
        try await base.createRun(configuration, now: now)
    }
    func issueLeases(_ request: LeaseRequest, identity: String?, now: Date) async throws -> [IssuedLease] {
        try await base.issueLeases(request, identity: identity, now: now)
    }
    func heartbeat(leaseId: String, caller: String?, now: Date) async throws -> HeartbeatReply {
        try await base.heartbeat(leaseId: leaseId, caller: caller, now: now)
    }
    func submit(leaseId: String, caller: String?, result: LeaseResult, now: Date) async throws -> SubmissionReceipt {
        try await base.submit(leaseId: leaseId, caller: caller, result: result, now: now)
    }
    func release(leaseId: String, caller: String?, release: LeaseRelease, now: Date) async throws {
        try await base.release(leaseId: leaseId, caller: caller, release: release, now: now)
    }
    func status(now: Date) async throws -> StatusReport { try await base.status(now: now) }
    func traces(
        runId: Int, iteration: Int, stage: SamplingStage?, after cursor: TraceCursor?, limit: Int
    ) async throws -> [TraceRecord] {
        try await base.traces(runId: runId, iteration: iteration, stage: stage, after: cursor, limit: limit)
    }
    func promptStatistics(runId: Int, iteration: Int) async throws -> [PromptIterationRecord] {
        try await base.promptStatistics(runId: runId, iteration: iteration)
    }
    func pause(runId: Int, now: Date) async throws -> RunSummary { try await base.pause(runId: runId, now: now) }
    func resume(runId: Int, now: Date) async throws -> RunSummary { try await base.resume(runId: runId, now: now) }
    func cancel(runId: Int, now: Date) async throws -> RunSummary { try await base.cancel(runId: runId, now: now) }
    func advance(runId: Int, modelVersion: String, now: Date) async throws -> RunSummary {
        try await base.advance(runId: runId, modelVersion: modelVersion, now: now)
    }
    func runs() async throws -> [RunSummary] { try await base.runs() }
    func promptHistory(runId: Int, promptId: Int) async throws -> [PromptIterationRecord] {
        try await base.promptHistory(runId: runId, promptId: promptId)
    }
    func workers(now: Date) async throws -> [WorkerSummary] { try await base.workers(now: now) }
    func allocationExport(runId: Int, iteration: Int) async throws -> AllocationExport {
        try await base.allocationExport(runId: runId, iteration: iteration)
    }
    func gauges(now: Date) async throws -> StoreGauges { try await base.gauges(now: now) }
    func weights(runId: Int, version: String) async throws -> StoredWeights { try await base.weights(runId: runId, version: version) }
}
