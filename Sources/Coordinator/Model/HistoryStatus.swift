/// A run with history statistics, in `/v1/status`: for each prompt of the
/// current iteration, whether it was pre-sampled and the estimate its
/// allocation used (nil until the allocation).
struct HistoryStatus: Codable, Sendable, Equatable {
    struct Prompt: Codable, Sendable, Equatable {
        var promptId: Int
        var presampleCount: Int
        var presampled: Bool
        var estimate: PromptHistoryRecord?
    }

    /// Prompts of the current iteration given pre-samples, of `prompts.count`.
    var presampledPrompts: Int
    var solvedPrompts: Int
    var hopelessPrompts: Int
    var prompts: [Prompt]

    init(records: [PromptIterationRecord]) {
        prompts = records.map {
            Prompt(promptId: $0.promptId, presampleCount: $0.presampleCount, presampled: $0.presampleCount > 0, estimate: $0.history)
        }
        presampledPrompts = prompts.filter(\.presampled).count
        solvedPrompts = prompts.filter { $0.estimate?.flag == .solved }.count
        hopelessPrompts = prompts.filter { $0.estimate?.flag == .hopeless }.count
    }
}
