import Foundation

/// Greedy-decoding accuracy of one model version on a built-in run's test
/// prompts, overall and per `level` for prompts that have one.
struct TestEvaluation: Codable, Sendable, Equatable {
    struct Level: Codable, Sendable, Equatable {
        var level: Int
        var prompts: Int
        var correct: Int
        var accuracy: Double
    }

    var modelVersion: String
    var prompts: Int
    var correct: Int
    var accuracy: Double
    var byLevel: [Level]
    var evaluatedAt: Date
}
