/// B sequences of input tokens and the tokens that follow them, padded to a
/// common length T. Row-major: position t of sequence b is at b·T + t.
/// Padding is harmless because attention is causal; the caller gives padding
/// positions a loss weight of 0.
public struct TokenBatch: Sendable, Equatable {
    public let batchSize: Int
    public let length: Int
    /// (B, T) tokens the model reads.
    public var inputs: [Int32]
    /// (B, T) tokens it is scored on: targets[b·T + t] follows inputs[b·T + t].
    public var targets: [Int32]
    /// For a batch built from prompts and responses: the positions of
    /// sequence b whose targets are its response tokens (0..<T offsets within
    /// the row). Empty otherwise.
    public var responseTargetRanges: [Range<Int>]

    /// The token used to pad inputs and targets.
    public static let padding: Int32 = Vocabulary.endOfText

    public init(batchSize: Int, length: Int, inputs: [Int32], targets: [Int32]) {
        precondition(batchSize >= 1 && length >= 1, "a token batch needs at least one sequence of one position")
        precondition(inputs.count == batchSize * length && targets.count == batchSize * length,
                     "inputs and targets must hold batchSize × length tokens")
        self.batchSize = batchSize
        self.length = length
        self.inputs = inputs
        self.targets = targets
        self.responseTargetRanges = []
    }

    /// Next-token prediction on whole sequences: sequence s gives inputs
    /// s[0..<n−1] and targets s[1..<n], padded to the longest. Each sequence
    /// needs at least 2 tokens.
    public init(sequences: [[Int32]]) {
        precondition(!sequences.isEmpty, "a token batch needs at least one sequence")
        let T = sequences.map { $0.count - 1 }.max()!
        precondition(sequences.allSatisfy { $0.count >= 2 }, "each sequence needs at least 2 tokens")
        var inputs = [Int32](repeating: Self.padding, count: sequences.count * T)
        var targets = inputs
        for (b, sequence) in sequences.enumerated() {
            for t in 0..<(sequence.count - 1) {
                inputs[b * T + t] = sequence[t]
                targets[b * T + t] = sequence[t + 1]
            }
        }
        self.init(batchSize: sequences.count, length: T, inputs: inputs, targets: targets)
    }

    /// Prompt + response sequences; `responseTargetRanges[b]` marks the
    /// positions whose targets are response b's tokens (the first response
    /// token is predicted at the prompt's last position). Prompts must be
    /// non-empty and responses non-empty.
    public init(prompts: [[Int32]], responses: [[Int32]]) {
        precondition(prompts.count == responses.count, "one response per prompt")
        precondition(prompts.allSatisfy { !$0.isEmpty } && responses.allSatisfy { !$0.isEmpty },
                     "prompts and responses must be non-empty")
        self.init(sequences: zip(prompts, responses).map { $0 + $1 })
        responseTargetRanges = zip(prompts, responses).map { prompt, response in
            (prompt.count - 1)..<(prompt.count - 1 + response.count)
        }
    }

    /// Index of position t of sequence b in inputs, targets and the per-token
    /// arrays (log-probabilities, weights).
    @inline(__always)
    public func index(sequence b: Int, position t: Int) -> Int { b * length + t }
}
