import Foundation

/// The train stage of one iteration of a built-in run, as `list-iterations`
/// and `/v1/status` show it. The means are over the steps taken so far.
struct TrainingSummary: Codable, Sendable, Equatable {
    /// Optimiser steps the stage takes (`builtin.trainingSteps`: fixed, or from the epochs).
    var steps: Int
    var stepsDone: Int
    /// Sequences the minibatches are drawn from.
    var sequences: Int
    /// Traces left out because their tokens or log-probabilities could not
    /// be matched (see `TrainingSet`).
    var skippedTraces: Int
    /// GRPO prompt groups whose rewards were all equal (no advantage).
    var droppedGroups: Int
    /// The clipped-ratio loss, −mean over response tokens of min(r·A, clip(r)·A).
    var meanLoss: Double?
    /// The importance ratio r = exp(log p_new − log p_old), over response tokens.
    var meanRatio: Double?
    /// Share of response tokens whose gradient the clipping removed.
    var clippedFraction: Double?
    /// Global gradient norm before clipping at `builtin.maxGradNorm`.
    var meanGradNorm: Double?
    /// The version the stage made, once it is done.
    var modelVersion: String?
    var startedAt: Date
    var finishedAt: Date?
}
