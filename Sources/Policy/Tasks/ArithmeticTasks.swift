import Shared

/// The synthetic arithmetic tasks the built-in model learns: graded levels,
/// a deterministic generator and disjoint train, validation and test splits.
public enum ArithmeticTasks {
    /// Every level, easiest first.
    public static let levels: ClosedRange<Int> = 1...ArithmeticLevel.allCases.count

    /// The completion template of built-in runs (`PromptTemplate.completion`):
    /// the problem and a newline, after which the chain of thought starts.
    public static let promptTemplate = "{problem}\n"

    /// The bound on every task's sequence, prompt + solution + end of text
    /// (tests hold every level to it): a context of this many tokens holds
    /// any task whole. The longest task, `99999+99999=?`, takes 100.
    public static let maximumSequenceLength = 128

    /// The prompt for a problem, rendered by the same `PromptTemplate` code
    /// the coordinator and workers use, so warm start, evaluation and the
    /// service all show the model the same text.
    public static func prompt(for problem: String) -> String {
        PromptTemplate(completion: promptTemplate).render(problem: problem).text ?? problem
    }

    /// What a level asks, e.g. `a+b or a-b, 2 to 3 digits`; nil for an
    /// unknown level.
    public static func summary(ofLevel level: Int) -> String? {
        ArithmeticLevel(rawValue: level)?.summary
    }

    /// Draws of already-seen problems after which a level counts as having no
    /// unseen ones left in a split (level 1 has only 100) and repeats one.
    static let freshDrawAttempts = 64

    /// `count` tasks of `split`, the levels in equal shares (the first
    /// `count % levels.count` levels get one more) and in shuffled order.
    /// The same seed gives the same tasks on every run and platform. A split
    /// repeats a problem only when its level has no unseen one left.
    public static func generate(
        seed: UInt64, count: Int, levels: [Int] = Array(ArithmeticTasks.levels), split: TaskSplit
    ) throws(TaskRequestError) -> [ArithmeticTask] {
        let chosen = try checkedLevels(levels)
        guard count >= 0 else { throw TaskRequestError("a count must be at least 0, got \(count)") }

        var random = TaskRandom(seed: seed, stream: split.streamSalt)
        var order: [ArithmeticLevel] = []
        order.reserveCapacity(count)
        for (index, level) in chosen.enumerated() {
            let share = count / chosen.count + (index < count % chosen.count ? 1 : 0)
            order += repeatElement(level, count: share)
        }
        random.shuffle(&order)

        var seen: Set<String> = []
        return order.map { level in
            let problem = draw(level, in: split, seen: &seen, using: &random)
            let worked = ColumnArithmetic.solution(of: problem)
            return ArithmeticTask(level: level.rawValue, problem: problem.text, solution: worked.solution, answer: worked.answer)
        }
    }

    /// A training and a test set from one seed; no problem is in both.
    public static func generateSplits(
        seed: UInt64, trainCount: Int, testCount: Int, levels: [Int] = Array(ArithmeticTasks.levels)
    ) throws(TaskRequestError) -> (train: [ArithmeticTask], test: [ArithmeticTask]) {
        let train = try generate(seed: seed, count: trainCount, levels: levels, split: .train)
        let test = try generate(seed: seed, count: testCount, levels: levels, split: .test)
        return (train, test)
    }

    /// Training, validation and test sets from one seed; no problem is in
    /// two of them. The training and test sets are those of
    /// `generateSplits(seed:trainCount:testCount:levels:)`.
    public static func generateSplits(
        seed: UInt64, trainCount: Int, validationCount: Int, testCount: Int, levels: [Int] = Array(ArithmeticTasks.levels)
    ) throws(TaskRequestError) -> TaskSplits {
        let (train, test) = try generateSplits(seed: seed, trainCount: trainCount, testCount: testCount, levels: levels)
        let validation = try generate(seed: seed, count: validationCount, levels: levels, split: .validation)
        return TaskSplits(train: train, validation: validation, test: test)
    }

    /// A training pool: `count` training-side tasks (so none is in any
    /// validation or test file), the levels in equal shares, drawn on a
    /// stream of their own. A run that imports it as its dataset sees the
    /// same prompts again every count / promptsPerIteration iterations.
    public static func generatePool(
        seed: UInt64, count: Int, levels: [Int] = Array(ArithmeticTasks.levels)
    ) throws(TaskRequestError) -> [ArithmeticTask] {
        try generate(seed: seed ^ poolSeedSalt, count: count, levels: levels, split: .train)
    }

    /// Keeps a pool's draws apart from train.jsonl's of the same seed.
    static let poolSeedSalt: UInt64 = 0x706F_6F6C_0000_0004

    /// Refuses a level list `generate` would refuse: empty, or with an
    /// unknown or repeated level.
    public static func validate(levels: [Int]) throws(TaskRequestError) {
        _ = try checkedLevels(levels)
    }

    private static func checkedLevels(_ levels: [Int]) throws(TaskRequestError) -> [ArithmeticLevel] {
        guard !levels.isEmpty else { throw TaskRequestError("no levels given; levels are \(Self.levels.lowerBound) to \(Self.levels.upperBound)") }
        var chosen: [ArithmeticLevel] = []
        for number in levels {
            guard let level = ArithmeticLevel(rawValue: number) else {
                throw TaskRequestError("unknown level \(number); levels are \(Self.levels.lowerBound) to \(Self.levels.upperBound)")
            }
            guard !chosen.contains(level) else { throw TaskRequestError("level \(number) is given twice") }
            chosen.append(level)
        }
        return chosen
    }

    /// A problem of `level` on `split`'s side of the divide, unseen in this
    /// split while fresh ones can be found. Ends because every level has
    /// problems on every side (level 1's few are checked by a test).
    private static func draw(
        _ level: ArithmeticLevel, in split: TaskSplit, seen: inout Set<String>, using random: inout TaskRandom
    ) -> ArithmeticProblem {
        var repeats = 0
        while true {
            let candidate = level.draw(using: &random)
            let text = candidate.text
            guard TaskSplit(problem: text) == split else { continue }
            if seen.insert(text).inserted { return candidate }
            repeats += 1
            if repeats == freshDrawAttempts { return candidate }
        }
    }
}

/// The three files of `gvm-model tasks`: the warm start trains on `train`
/// and stops on `validation`; evaluations measure `test`.
public struct TaskSplits: Sendable, Equatable {
    public var train: [ArithmeticTask]
    public var validation: [ArithmeticTask]
    public var test: [ArithmeticTask]
}

/// A request the generator cannot serve: an unknown or repeated level, or a
/// negative count.
public struct TaskRequestError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
