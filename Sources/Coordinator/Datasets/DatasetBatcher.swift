/// Where a streamed import cuts its prompts into batches, each stored by one
/// short write: small enough that a lease grant waiting behind one barely
/// notices, large enough that 500 MiB do not take thousands of commits.
struct DatasetBatcher {
    struct Batch: Sendable, Equatable {
        /// The dataset position of the batch's first prompt.
        var firstPosition: Int
        var prompts: [ParsedDataset.Prompt]
    }

    // 2 MiB batches let a lease grant wait up to 167 ms behind a 500 MiB
    // import on 2 cores; 512 KiB kept it under 80 ms (docs/limits.md).
    static let standardMaxPrompts = 500
    static let standardMaxBytes = 512 << 10

    let maxPrompts: Int
    let maxBytes: Int
    private var current: [ParsedDataset.Prompt] = []
    private var currentBytes = 0
    private(set) var promptCount = 0

    init(maxPrompts: Int = standardMaxPrompts, maxBytes: Int = standardMaxBytes) {
        self.maxPrompts = maxPrompts
        self.maxBytes = maxBytes
    }

    /// Adds a prompt; returns the batch it fills, if it fills one.
    mutating func add(_ prompt: ParsedDataset.Prompt) -> Batch? {
        current.append(prompt)
        currentBytes += prompt.problem.utf8.count + prompt.answer.utf8.count
        promptCount += 1
        guard current.count >= maxPrompts || currentBytes >= maxBytes else { return nil }
        return takeBatch()
    }

    /// The prompts not yet in a batch, if any.
    mutating func finish() -> Batch? {
        current.isEmpty ? nil : takeBatch()
    }

    private mutating func takeBatch() -> Batch {
        defer {
            current = []
            currentBytes = 0
        }
        return Batch(firstPosition: promptCount - current.count, prompts: current)
    }
}
