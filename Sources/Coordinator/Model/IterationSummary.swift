import Foundation
import Shared

/// One iteration of a run, as `list-iterations` shows it.
struct IterationSummary: Codable, Sendable, Equatable {
    var iteration: Int
    var stage: IterationStage
    var modelVersion: String
    var promptCount: Int
    /// N: the samples the allocation shares out (trained on, under
    /// `countTowardBudget`).
    var budget: Int
    /// U: the part of N the cap left unallocated.
    var unallocated: Int
    /// What the iteration generates once allocated, pre-sampling counted:
    /// m * N' + the sample stage's new samples (m * N' + N - U under
    /// `separate`). Nil before the allocation.
    var generationBudget: Int?
    /// The pre-samples the iteration draws in all: m * N' for the paper's
    /// gvm, fewer where the history spared prompts, 0 for uniform.
    var presampleBudget: Int
    /// Runs in rounds: the samples of the caps (n_i) that the prompts which
    /// stopped early left unspent, so far; nil for runs without rounds.
    var unspent: Int?
    var fellBackToUniform: Bool
    var fallbackReason: String?
    var startedAt: Date
    var finishedAt: Date?
    /// Every sample generated in the iteration, pre-sampling included.
    var samplesGenerated: Int
    var samplesAccepted: Int
    /// Samples of work units that used up their attempts and were never returned.
    var samplesFailed: Int
    var acceptance: Summary?
    var allocation: AllocationSummary?
    /// Built-in runs only: the train stage, once it has started.
    var training: TrainingSummary?
    /// Built-in runs only: test accuracy of the version the iteration sampled
    /// with (for iteration 0, version 0), once measured.
    var evaluationBefore: TestEvaluation?
    /// Built-in runs only: test accuracy of the version the iteration trained.
    var evaluationAfter: TestEvaluation?
}
