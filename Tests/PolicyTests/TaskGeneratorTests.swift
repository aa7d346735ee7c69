import Testing
@testable import Policy

@Suite("Tasks: the generator and its splits")
struct TaskGeneratorTests {
    @Test("the same seed gives the same tasks, another seed others")
    func deterministicBySeed() throws {
        let first = try ArithmeticTasks.generate(seed: 7, count: 600, split: .train)
        let again = try ArithmeticTasks.generate(seed: 7, count: 600, split: .train)
        let other = try ArithmeticTasks.generate(seed: 8, count: 600, split: .train)
        #expect(first == again)
        #expect(first != other)
        #expect(first.map(\.problem) != other.map(\.problem))
    }

    /// Pins the exact draws, so a change in the generator, or a platform that
    /// consumes the seed differently, shows up here.
    @Test("seed 7 gives these problems on every platform")
    func pinnedDraws() throws {
        let tasks = try ArithmeticTasks.generate(seed: 7, count: 6, split: .train)
        #expect(tasks.map(\.problem) == ["6043-3882=?", "45-19=?", "18*4=?", "100+83=?", "35*7-62=?", "4+2=?"])
        #expect(tasks[4].solution == "5*7+0=35 r5\n3*7+3=24 r245\n245-62\n5-2-0=3 r3\n14-6-0=8 r83\n2-0-1=1 r183\n\\boxed{183}")
    }

    @Test("levels come in equal shares, the remainder to the first levels given")
    func levelShares() throws {
        let tasks = try ArithmeticTasks.generate(seed: 3, count: 1000, split: .train)
        let counts = Dictionary(grouping: tasks, by: \.level).mapValues(\.count)
        #expect(counts == [1: 167, 2: 167, 3: 167, 4: 167, 5: 166, 6: 166])

        let chosen = try ArithmeticTasks.generate(seed: 3, count: 11, levels: [5, 2], split: .test)
        #expect(Dictionary(grouping: chosen, by: \.level).mapValues(\.count) == [5: 6, 2: 5])
        #expect(try ArithmeticTasks.generate(seed: 3, count: 0, split: .train).isEmpty)
    }

    @Test("levels are mixed through the file, not in blocks")
    func levelsInterleaved() throws {
        let tasks = try ArithmeticTasks.generate(seed: 5, count: 120, split: .train)
        #expect(Set(tasks.prefix(30).map(\.level)).count == ArithmeticTasks.levels.count)
    }

    @Test("train and test share no problem, whatever seeds made them")
    func splitsDisjoint() throws {
        let (train, test) = try ArithmeticTasks.generateSplits(seed: 11, trainCount: 6000, testCount: 1200)
        #expect(train.count == 6000 && test.count == 1200)
        #expect(Set(train.map(\.problem)).isDisjoint(with: test.map(\.problem)))
        #expect(train.allSatisfy { TaskSplit(problem: $0.problem) == .train })
        #expect(test.allSatisfy { TaskSplit(problem: $0.problem) == .test })
        for split in [train, test] {
            #expect(Set(split.map(\.level)) == Set(ArithmeticTasks.levels))
        }
        let otherSeed = try ArithmeticTasks.generate(seed: 12, count: 1200, split: .test)
        #expect(Set(train.map(\.problem)).isDisjoint(with: otherSeed.map(\.problem)))
    }

    // Level 1's problems on every side: TaskSplitsTests.smallestLevelOnEverySide.

    @Test("a split repeats a problem only once its level has no unseen one")
    func repeatsOnlyWhenExhausted() throws {
        let pool = (0...9).flatMap { a in (0...9).map { b in "\(a)+\(b)=?" } }.filter { TaskSplit(problem: $0) == .train }
        let easy = try ArithmeticTasks.generate(seed: 2, count: 400, levels: [1], split: .train)
        #expect(Set(easy.map(\.problem)) == Set(pool))

        let harder = try ArithmeticTasks.generate(seed: 2, count: 3000, levels: [3, 4], split: .train)
        #expect(Set(harder.map(\.problem)).count == harder.count)
    }

    @Test("unknown, repeated or missing levels and negative counts are refused")
    func badRequests() {
        #expect(throws: TaskRequestError("unknown level 7; levels are 1 to 6")) {
            try ArithmeticTasks.generate(seed: 1, count: 5, levels: [1, 7], split: .train)
        }
        #expect(throws: TaskRequestError("unknown level 0; levels are 1 to 6")) {
            try ArithmeticTasks.generate(seed: 1, count: 5, levels: [0], split: .train)
        }
        #expect(throws: TaskRequestError("level 2 is given twice")) {
            try ArithmeticTasks.generate(seed: 1, count: 5, levels: [2, 3, 2], split: .train)
        }
        #expect(throws: TaskRequestError("no levels given; levels are 1 to 6")) {
            try ArithmeticTasks.generate(seed: 1, count: 5, levels: [], split: .train)
        }
        #expect(throws: TaskRequestError("a count must be at least 0, got -1")) {
            try ArithmeticTasks.generate(seed: 1, count: -1, split: .test)
        }
    }
}
