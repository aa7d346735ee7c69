import Shared

/// Everything one train stage needs, read in one transaction.
struct TrainingInputs: Sendable {
    var runId: Int
    var iteration: Int
    var configuration: RunConfiguration
    var builtin: BuiltinTraining
    /// The version the iteration sampled with, which it trains from.
    var modelVersion: String
    var weights: StoredWeights
    /// In (stage, prompt, sample) order, so that a rerun sees the same list.
    var traces: [TrainingTrace]
    /// Problem text by prompt id (dataset position).
    var problems: [Int: String]
}
