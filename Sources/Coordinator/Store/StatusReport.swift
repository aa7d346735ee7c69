import Foundation
import Shared

/// `GET /v1/status`: what an operator needs to see at a glance.
struct StatusReport: Codable, Sendable, Equatable {
    struct Progress: Codable, Sendable, Equatable {
        /// The sampling stage the figures count (the current one, or the
        /// last one for an iteration past sampling).
        var stage: SamplingStage
        var samplesDone: Int
        var samplesTotal: Int
    }

    struct Run: Codable, Sendable, Equatable {
        var runId: Int
        var dataset: String
        var model: String
        var state: RunState
        var iteration: Int
        var iterations: Int
        var stage: IterationStage
        var modelVersion: String
        var progress: Progress
        var fellBackToUniform: Bool
    }

    struct Worker: Codable, Sendable, Equatable {
        var name: String
        var model: String
        var lastSeen: Date
        var activeLeases: Int
        var samplesSubmitted: Int
    }

    var gvmVersion: String
    var time: Date
    var runs: [Run]
    var workers: [Worker]
}
