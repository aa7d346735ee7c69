import Foundation
import Shared

/// A run as the run routes answer it: its state, where it is, and how it was configured.
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
