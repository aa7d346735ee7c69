import Testing
@testable import Policy

/// The three files of `gvm-model tasks` and the training pool.
@Suite("Tasks: train, validation and test splits, and the pool")
struct TaskSplitsTests {
    @Test("train, validation and test share no problem, whatever seeds made them, and hold every level")
    func threeSplitsDisjoint() throws {
        let splits = try ArithmeticTasks.generateSplits(seed: 11, trainCount: 6000, validationCount: 300, testCount: 1200)
        #expect(splits.train.count == 6000 && splits.validation.count == 300 && splits.test.count == 1200)
        let train = Set(splits.train.map(\.problem)), validation = Set(splits.validation.map(\.problem))
        let test = Set(splits.test.map(\.problem))
        #expect(train.isDisjoint(with: validation))
        #expect(train.isDisjoint(with: test))
        #expect(validation.isDisjoint(with: test))
        #expect(splits.validation.allSatisfy { TaskSplit(problem: $0.problem) == .validation })

        // Equal shares of every level in each file.
        #expect(Dictionary(grouping: splits.validation, by: \.level).mapValues(\.count) == [1: 50, 2: 50, 3: 50, 4: 50, 5: 50, 6: 50])
        #expect(Dictionary(grouping: splits.test, by: \.level).mapValues(\.count) == [1: 200, 2: 200, 3: 200, 4: 200, 5: 200, 6: 200])
        #expect(Dictionary(grouping: splits.train, by: \.level).mapValues(\.count) == [1: 1000, 2: 1000, 3: 1000, 4: 1000, 5: 1000, 6: 1000])

        // Another seed's validation and test problems never reach this seed's training file.
        let other = try ArithmeticTasks.generateSplits(seed: 12, trainCount: 10, validationCount: 600, testCount: 600)
        #expect(train.isDisjoint(with: other.validation.map(\.problem)))
        #expect(train.isDisjoint(with: other.test.map(\.problem)))
        #expect(validation.isDisjoint(with: other.test.map(\.problem)))
    }

    @Test("adding validation leaves a seed's train and test files as the two-way generator writes them")
    func sameTrainAndTest() throws {
        let three = try ArithmeticTasks.generateSplits(seed: 5, trainCount: 200, validationCount: 60, testCount: 120)
        let two = try ArithmeticTasks.generateSplits(seed: 5, trainCount: 200, testCount: 120)
        #expect(three.train == two.train && three.test == two.test)
        let again = try ArithmeticTasks.generateSplits(seed: 5, trainCount: 200, validationCount: 60, testCount: 120)
        #expect(three == again)
        let otherSeed = try ArithmeticTasks.generateSplits(seed: 6, trainCount: 200, validationCount: 60, testCount: 120)
        #expect(three.validation != otherSeed.validation)
    }

    /// Level 1 has only 100 problems; the generator relies on every split
    /// having some of each level.
    @Test("level 1's hundred problems fall on all three sides")
    func smallestLevelOnEverySide() {
        var sides: [TaskSplit: Int] = [:]
        for a in 0...9 {
            for b in 0...9 { sides[TaskSplit(problem: "\(a)+\(b)=?"), default: 0] += 1 }
        }
        #expect(sides[.test, default: 0] >= 5)
        #expect(sides[.validation, default: 0] >= 5)
        #expect(sides[.train, default: 0] >= 60)
    }

    @Test("a pool is training-side, in equal level shares, deterministic, and apart from train.jsonl's draws")
    func pool() throws {
        let pool = try ArithmeticTasks.generatePool(seed: 9, count: 512)
        #expect(pool.count == 512)
        #expect(pool.allSatisfy { TaskSplit(problem: $0.problem) == .train })
        #expect(Dictionary(grouping: pool, by: \.level).mapValues(\.count) == [1: 86, 2: 86, 3: 85, 4: 85, 5: 85, 6: 85])
        #expect(try ArithmeticTasks.generatePool(seed: 9, count: 512) == pool)
        let train = try ArithmeticTasks.generate(seed: 9, count: 512, split: .train)
        #expect(pool != train)
        // Apart from level 1 (73 training-side problems), a pool repeats nothing.
        let harder = pool.filter { $0.level > 1 }
        #expect(Set(harder.map(\.problem)).count == harder.count)
        #expect(try ArithmeticTasks.generatePool(seed: 9, count: 12, levels: [2, 3]).allSatisfy { [2, 3].contains($0.level) })
    }
}
