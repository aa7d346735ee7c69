import Foundation
import Shared

/// Everything the coordinator keeps, behind one protocol so that the
/// scheduler and routes don't depend on SQLite. Every method is one
/// transaction: it happens whole or not at all.
protocol CoordinatorStore: DatasetImportStore, StoreChangeFeed {
    func importDataset(_ dataset: ParsedDataset, now: Date) async throws -> DatasetSummary
    func datasets() async throws -> [DatasetSummary]

    func createRun(_ configuration: RunConfiguration, now: Date) async throws -> RunSummary
    func run(id: Int) async throws -> RunSummary

    func grantLeases(_ request: LeaseRequest, now: Date) async throws -> [Lease]
    func heartbeat(leaseId: String, now: Date) async throws -> HeartbeatReply
    func submit(leaseId: String, result: LeaseResult, now: Date) async throws -> SubmissionReceipt
    func release(leaseId: String, release: LeaseRelease, now: Date) async throws

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
}

struct DatasetSummary: Codable, Sendable, Equatable {
    var name: String
    var contentHash: String
    var promptCount: Int
    var importedAt: Date
    /// False when the same content was already imported under this name.
    var created: Bool
}

struct RunSummary: Codable, Sendable, Equatable {
    var runId: Int
    var state: RunState
    var iteration: Int
    var stage: IterationStage
    var modelVersion: String
    var gvmVersion: String
    var createdAt: Date
    /// How the run shuffles prompts and minibatches (0: made before gvm had its own shuffle).
    var orderVersion: OrderVersion
    var configuration: RunConfiguration
}

/// Where a page of the trace export ends.
struct TraceCursor: Sendable, Equatable {
    var stage: SamplingStage
    var promptId: Int
    var sampleIndex: Int

    init(_ trace: TraceRecord) {
        stage = trace.stage
        promptId = trace.promptId
        sampleIndex = trace.sampleIndex
    }
}

struct StoreGauges: Sendable, Equatable {
    var runsByState: [RunState: Int]
    var leasesActive: Int
    var leasesExpired: Int
}

/// One trace as stored and exported.
struct TraceRecord: Codable, Sendable, Equatable {
    var traceId: Int64
    var runId: Int
    var iteration: Int
    var stage: SamplingStage
    var promptId: Int
    var sampleIndex: Int
    var modelVersion: String
    var response: String
    var reward: Double
    var gradNorm: Double?
    var completionTokens: Int
    var finishReason: FinishReason
    var tokenLogprobs: [Double]?
    var leaseId: String
    var workerName: String
    var createdAt: Date
}

/// A prompt's record in one iteration: its statistics per stage, what they
/// give (p_i, mean and RMS gradient norm, from pre-sampling) and its n_i.
/// Both history queries (per iteration, per prompt) answer with these.
struct PromptIterationRecord: Encodable, Sendable, Equatable {
    var iteration: Int
    var batchIndex: Int
    var promptId: Int
    var presample: PromptStageStatistics
    var sample: PromptStageStatistics
    var allocatedCount: Int?
    var allocatedRatio: Double?
    /// Work of this prompt that used up its attempts; its samples were
    /// never returned, and the statistics do not count them.
    var failedUnits: [FailedUnitRecord] = []
    /// Every release of this prompt's leases in the iteration, oldest first.
    var releases: [ReleaseRecord] = []

    enum CodingKeys: String, CodingKey {
        case iteration, batchIndex, promptId, presample, sample, allocatedCount, allocatedRatio
        case acceptRate, meanGradNorm, rmsGradNorm, failedUnits, releases
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(iteration, forKey: .iteration)
        try container.encode(batchIndex, forKey: .batchIndex)
        try container.encode(promptId, forKey: .promptId)
        try container.encode(presample, forKey: .presample)
        try container.encode(sample, forKey: .sample)
        try container.encode(allocatedCount, forKey: .allocatedCount)
        try container.encode(allocatedRatio, forKey: .allocatedRatio)
        try container.encode(failedUnits, forKey: .failedUnits)
        try container.encode(releases, forKey: .releases)
        // Null before any pre-sample (and for uniform runs, which have none).
        let measured = presample.samples > 0
        try container.encode(measured ? presample.acceptRate : nil, forKey: .acceptRate)
        try container.encode(measured ? presample.meanGradNorm : nil, forKey: .meanGradNorm)
        try container.encode(measured ? presample.rmsGradNorm : nil, forKey: .rmsGradNorm)
    }
}

/// A work unit that failed: past its run's `maxAttemptsPerUnit`.
struct FailedUnitRecord: Codable, Sendable, Equatable {
    var stage: SamplingStage
    var firstSampleIndex: Int
    var sampleCount: Int
    /// Expiries and counted releases it went through.
    var attempts: Int
}

/// A worker's release of one lease, as stored with the lease.
struct ReleaseRecord: Codable, Sendable, Equatable {
    var stage: SamplingStage
    var firstSampleIndex: Int
    var workerName: String
    var kind: ReleaseKind
    var reason: String
}
