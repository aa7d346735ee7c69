import Foundation
import Shared

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
