import Shared

/// What evaluating one model version needs.
struct EvaluationInputs: Sendable {
    var configuration: RunConfiguration
    var modelVersion: String
    var weights: StoredWeights
    var prompts: [TestPrompt]
}
