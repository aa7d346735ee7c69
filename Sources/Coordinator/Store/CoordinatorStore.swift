import Foundation
import Shared

/// What the routes read and write, behind one protocol so that they don't
/// depend on SQLite. Every method is one transaction: it happens whole or not
/// at all. The trainer and the work queuer have seams of their own
/// (`TrainingStore`, `WorkQueueingStore`).
protocol CoordinatorStore: DatasetImportStore, StoreChangeFeed {
    func importDataset(_ dataset: ParsedDataset, now: Date) async throws -> DatasetSummary
    func datasets() async throws -> [DatasetSummary]

    func createRun(_ configuration: RunConfiguration, now: Date) async throws -> RunSummary
    func run(id: Int) async throws -> RunSummary

    /// Leases as the store issues them, held by `identity` (the caller's
    /// token name; nil without tokens); the API renders them for the wire
    /// (`grantLeases`).
    func issueLeases(_ request: LeaseRequest, identity: String?, now: Date) async throws -> [IssuedLease]
    /// The calls about a lease are refused (403) unless `caller` is the
    /// identity the lease was granted to (`LeaseRules.owning`).
    func heartbeat(leaseId: String, caller: String?, now: Date) async throws -> HeartbeatReply
    func submit(leaseId: String, caller: String?, result: LeaseResult, now: Date) async throws -> SubmissionReceipt
    func release(leaseId: String, caller: String?, release: LeaseRelease, now: Date) async throws

    func status(now: Date) async throws -> StatusReport
    /// One page of an iteration's traces in (stage, prompt, sample) order,
    /// after `cursor`.
    func traces(runId: Int, iteration: Int, stage: SamplingStage?, after cursor: TraceCursor?, limit: Int) async throws -> [TraceRecord]
    func promptStatistics(runId: Int, iteration: Int) async throws -> [PromptIterationRecord]

    func pause(runId: Int, now: Date) async throws -> RunSummary
    func resume(runId: Int, now: Date) async throws -> RunSummary
    func cancel(runId: Int, now: Date) async throws -> RunSummary
    func advance(runId: Int, modelVersion: String, now: Date) async throws -> RunSummary
    func runs() async throws -> [RunSummary]
    func iterations(runId: Int) async throws -> [IterationSummary]
    /// One iteration's summary; nil when the run has no such iteration yet.
    func iteration(runId: Int, number: Int) async throws -> IterationSummary?
    func promptHistory(runId: Int, promptId: Int) async throws -> [PromptIterationRecord]
    func workers(now: Date) async throws -> [WorkerSummary]
    func allocationExport(runId: Int, iteration: Int) async throws -> AllocationExport
    /// Gauges for /metrics: runs by state, and leases active and expired.
    func gauges(now: Date) async throws -> StoreGauges
    /// One model version of a built-in run, as its weights file's bytes.
    func weights(runId: Int, version: String) async throws -> StoredWeights
}

extension CoordinatorStore {
    /// A release that names no kind, as an old worker sends it (`other`).
    func release(leaseId: String, reason: String, now: Date) async throws {
        try await release(leaseId: leaseId, release: LeaseRelease(reason: reason), now: now)
    }

    // The lease calls of a coordinator without tokens, where every lease
    // and every caller is nobody's (identity nil).

    func issueLeases(_ request: LeaseRequest, now: Date) async throws -> [IssuedLease] {
        try await issueLeases(request, identity: nil, now: now)
    }

    func heartbeat(leaseId: String, now: Date) async throws -> HeartbeatReply {
        try await heartbeat(leaseId: leaseId, caller: nil, now: now)
    }

    func submit(leaseId: String, result: LeaseResult, now: Date) async throws -> SubmissionReceipt {
        try await submit(leaseId: leaseId, caller: nil, result: result, now: now)
    }

    func release(leaseId: String, release: LeaseRelease, now: Date) async throws {
        try await self.release(leaseId: leaseId, caller: nil, release: release, now: now)
    }
}
