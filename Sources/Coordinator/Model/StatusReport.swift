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
        /// The current iteration's budget figures (as in its summary): N,
        /// the U the cap left unallocated, and the generation they cost,
        /// pre-sampling counted (nil before the allocation).
        var budget: Int
        var unallocated: Int
        var generationBudget: Int?
        /// Runs in rounds: what the prompts that stopped early left unspent.
        var unspent: Int?
        var fellBackToUniform: Bool
        /// p_i over the current iteration's prompts (pre-sampling, or the
        /// sample stage for uniform runs).
        var acceptance: Summary?
        /// n_i over the current iteration's prompts, once allocated.
        var allocation: AllocationSummary?
        /// Samples generated in the current iteration, pre-sampling included.
        var samplesGenerated: Int
        /// Samples of the current iteration's failed work units (past
        /// `maxAttemptsPerUnit`), never returned.
        var samplesFailed: Int
        /// Built-in runs only: the current iteration's train stage, once started.
        var training: TrainingSummary?
        /// Built-in runs only: test accuracy of the newest version measured.
        var evaluation: TestEvaluation?
        /// Runs with history statistics only: the current iteration's
        /// pre-sampling and estimates, per prompt.
        var history: HistoryStatus?
    }

    /// Over the last `StatusWindow.seconds`, all runs together.
    struct Throughput: Codable, Sendable, Equatable {
        var windowSeconds: Double
        var samplesPerSecond: Double
        var tokensPerSecond: Double
    }

    var gvmVersion: String
    var time: Date
    var runs: [Run]
    var workers: [WorkerSummary]
    var throughput: Throughput
}
