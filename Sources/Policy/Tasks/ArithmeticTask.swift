/// One synthetic problem with its gold chain of thought.
public struct ArithmeticTask: Sendable, Hashable {
    /// Difficulty, from 1 (easiest); see `ArithmeticTasks.levels`.
    public var level: Int
    /// The question, e.g. `347+85=?`.
    public var problem: String
    /// The gold chain of thought, ending in `\boxed{answer}`.
    public var solution: String
    /// The plain answer the verifier compares against, e.g. `432`.
    public var answer: String

    public init(level: Int, problem: String, solution: String, answer: String) {
        self.level = level
        self.problem = problem
        self.solution = solution
        self.answer = answer
    }

    /// What the model is given, rendered as every built-in run renders it.
    public var prompt: String { ArithmeticTasks.prompt(for: problem) }

    /// Characters the model reads and writes for this task: the prompt, the
    /// solution and the end-of-text token (one character is one token).
    public var sequenceLength: Int { prompt.utf8.count + solution.utf8.count + 1 }
}
