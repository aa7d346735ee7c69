import Foundation

/// `batch-<b>.json` of the mechanism benchmark's cache: the settings a
/// batch was built with, the machine it ran on, and each prompt's pool
/// statistics. Its sketches are in `batch-<b>.f32` beside it. The layout is
/// the contract with the Python analysis (docs of issue 14): keep the field
/// names as they are.
struct GradientPoolBatchRecord: Codable, Equatable {
    static let currentFormat = 1

    struct Prompt: Codable, Equatable {
        /// Position of the task in the tasks file.
        var taskIndex: Int
        var level: Int
        /// False when no sample was accepted: no gradient taken, rows zero.
        var gradients: Bool
        var rewards: [Int]
        var tokens: [Int]
        var normEmbedding: [Double]
        var normHead: [Double]
        var normAll: [Double]
    }

    var format: Int
    var label: String
    var weightsSHA256: String
    /// The tasks file's name, without its folder.
    var tasksFile: String
    var batch: Int
    var poolSize: Int
    var dimensions: Int
    var sketchSeed: UInt64
    var samplingSeed: UInt64
    var temperature: Double
    var maxTokens: Int
    var parameterCount: Int
    var cpuModel: String
    var openblasCore: String
    /// Wall time of this batch.
    var seconds: Double
    var prompts: [Prompt]

    func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
