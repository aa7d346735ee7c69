import Shared

/// One trace as the trainer reads it. The log-probabilities stay JSON text
/// here: they are decoded on the trainer's thread, not the reader's.
struct TrainingTrace: Sendable, Equatable {
    var stage: SamplingStage
    var promptId: Int
    var sampleIndex: Int
    var response: String
    var reward: Double
    var finishReason: FinishReason
    var tokenLogprobsJSON: String?
}
