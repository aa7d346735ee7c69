import Foundation
import Shared

/// Everything the coordinator keeps, behind one protocol so that the
/// scheduler and routes don't depend on SQLite. Every method is one
/// transaction: it happens whole or not at all.
protocol CoordinatorStore: Sendable {
    func importDataset(_ dataset: ParsedDataset, now: Date) async throws -> DatasetSummary
    func datasets() async throws -> [DatasetSummary]

    func createRun(_ configuration: RunConfiguration, now: Date) async throws -> RunSummary
    func run(id: Int) async throws -> RunSummary

    func grantLeases(_ request: LeaseRequest, now: Date) async throws -> [Lease]
    func heartbeat(leaseId: String, now: Date) async throws -> HeartbeatReply
    func submit(leaseId: String, result: LeaseResult, now: Date) async throws -> SubmissionReceipt
    func release(leaseId: String, reason: String, now: Date) async throws

    func status(now: Date) async throws -> StatusReport
    /// One page of an iteration's traces, in insertion order, after `afterId`.
    func traces(runId: Int, iteration: Int, stage: SamplingStage?, afterId: Int64, limit: Int) async throws -> [TraceRecord]
    func promptStatistics(runId: Int, iteration: Int) async throws -> [PromptIterationRecord]
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
    var configuration: RunConfiguration
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

/// A prompt's record in one iteration: its statistics per stage and its n_i.
struct PromptIterationRecord: Codable, Sendable, Equatable {
    var batchIndex: Int
    var promptId: Int
    var presample: PromptStageStatistics
    var sample: PromptStageStatistics
    var allocatedCount: Int?
    var allocatedRatio: Double?
}
