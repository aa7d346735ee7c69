/// What one prompt drew in one iteration, every stage together, as the
/// history statistics read it: raw counts, not decayed.
public struct PromptIterationCounts: Sendable, Equatable, Codable {
    public var iteration: Int
    public var promptId: Int
    public var correct: Int
    public var wrong: Int
    /// The sum of the measured gradient norms of accepted samples.
    public var normSum: Double
    /// How many norms `normSum` adds up (every accepted sample in a gvm run).
    public var normCount: Int

    public init(iteration: Int, promptId: Int, correct: Int, wrong: Int, normSum: Double, normCount: Int) {
        self.iteration = iteration
        self.promptId = promptId
        self.correct = correct
        self.wrong = wrong
        self.normSum = normSum
        self.normCount = normCount
    }

    /// A stage's statistics as the history counts them: every verified
    /// sample, and every accepted sample's norm (gvm requires one).
    public init(iteration: Int, promptId: Int, statistics: PromptStageStatistics) {
        self.init(
            iteration: iteration, promptId: promptId, correct: statistics.accepted,
            wrong: statistics.samples - statistics.accepted, normSum: statistics.gradNormSum,
            normCount: statistics.accepted)
    }

    /// Refuses counts the rules cannot read, naming the field.
    public func validate() throws(FieldError) {
        guard correct >= 0 else { throw FieldError(field: "correct", problem: "must be a whole number >= 0, got \(correct)") }
        guard wrong >= 0 else { throw FieldError(field: "wrong", problem: "must be a whole number >= 0, got \(wrong)") }
        guard normCount >= 0 else { throw FieldError(field: "normCount", problem: "must be a whole number >= 0, got \(normCount)") }
        guard normSum.isFinite, normSum >= 0 else {
            throw FieldError(field: "normSum", problem: "must be a finite number >= 0, got \(normSum)")
        }
        guard normSum == 0 || normCount > 0 else {
            throw FieldError(field: "normSum", problem: "is \(normSum) but no norm was counted (normCount 0)")
        }
    }
}
