import MathVerifier
import Shared
import Testing
@testable import Policy

@Suite("Tasks: the gold chains of thought")
struct TaskChainOfThoughtTests {
    /// 2000 tasks of every level, from both splits.
    static let sample: [ArithmeticTask] = {
        let count = 2000 * ArithmeticTasks.levels.count
        let train = try! ArithmeticTasks.generate(seed: 21, count: count, split: .train)
        let test = try! ArithmeticTasks.generate(seed: 21, count: count / 4, split: .test)
        return train + test
    }()

    /// The longest problems of each level: most digits, every column carrying.
    static let longest: [ArithmeticTask] = [
        (1, ArithmeticProblem(9, [(.add, 9)])),
        (2, ArithmeticProblem(99, [(.add, 99)])),
        (3, ArithmeticProblem(999, [(.add, 999)])),
        (4, ArithmeticProblem(99999, [(.add, 99999)])),
        (4, ArithmeticProblem(10000, [(.subtract, 9999)])),
        (5, ArithmeticProblem(999, [(.multiply, 9)])),
        (6, ArithmeticProblem(99, [(.multiply, 9), (.add, 99)])),
        (6, ArithmeticProblem(99, [(.multiply, 9), (.subtract, 99)])),
        (6, ArithmeticProblem(99, [(.add, 99), (.subtract, 99)])),
        (6, ArithmeticProblem(99, [(.subtract, 10), (.add, 99)])),
    ].map { level, problem in
        let worked = ColumnArithmetic.solution(of: problem)
        return ArithmeticTask(level: level, problem: problem.text, solution: worked.solution, answer: worked.answer)
    }

    @Test("every gold trace passes the verifier against its answer")
    func goldTracesVerify() {
        let verifier = MathVerifier()
        for task in Self.sample + Self.longest {
            let verdict = verifier.verify(response: task.solution, gold: task.answer)
            #expect(verdict.correct, "\(task.problem): \(verdict)")
        }
        #expect(Set(Self.sample.map(\.level)) == Set(ArithmeticTasks.levels))
        #expect(Self.sample.filter { $0.level == 6 }.count >= 2000)
    }

    @Test("a trace whose answer has a wrong last digit fails the verifier")
    func corruptedAnswerFails() {
        let verifier = MathVerifier()
        for task in Self.sample.prefix(600) {
            var wrong = Array(task.answer)
            wrong[wrong.count - 1] = wrong.last == "7" ? "3" : "7"
            let wrongAnswer = String(wrong)
            let corrupted = task.solution.replacingOccurrences(of: "\\boxed{\(task.answer)}", with: "\\boxed{\(wrongAnswer)}")
            #expect(corrupted != task.solution)
            #expect(!verifier.verify(response: corrupted, gold: task.answer).correct, "\(corrupted)")
            #expect(!verifier.verify(response: task.solution, gold: wrongAnswer).correct, "\(task.problem)")
        }
    }

    @Test("every line of every trace is arithmetically right")
    func tracesAreRight() {
        for task in Self.sample + Self.longest {
            #expect(TaskTraceChecker.problems(in: task) == nil, "\(task.problem)\n\(task.solution)")
        }
    }

    @Test("the checker catches a wrong digit inside a trace")
    func checkerCatchesMistakes() {
        let task = Self.longest[3]
        let wrongCarry = task.solution.replacingOccurrences(of: "9+9+1=19 r98\n", with: "9+9+0=18 r88\n")
        #expect(wrongCarry != task.solution)
        #expect(TaskTraceChecker.problems(in: ArithmeticTask(level: 4, problem: task.problem, solution: wrongCarry, answer: task.answer)) != nil)
    }

    @Test("problems and traces are in the vocabulary and fit the context")
    func fitsTheModel() throws {
        for task in Self.sample + Self.longest {
            let tokens = try Vocabulary.encode(task.prompt + task.solution)
            #expect(tokens.count + 1 == task.sequenceLength)
            #expect(task.sequenceLength <= ArithmeticTasks.maximumSequenceLength, "\(task.problem): \(task.sequenceLength)")
            #expect(!task.problem.contains("\n") && !task.solution.hasSuffix("\n"))
        }
        // As ArithmeticTasks.maximumSequenceLength's comment says.
        #expect(Self.longest.map(\.sequenceLength).max() == 100)
        #expect(Self.sample.map(\.sequenceLength).max()! <= 100)
    }

    @Test("the prompt is the built-in runs' completion template rendered")
    func promptMatchesTemplate() throws {
        let template = PromptTemplate(completion: ArithmeticTasks.promptTemplate)
        try template.validate()
        #expect(template.render(problem: "347+85=?").text == "347+85=?\n")
        #expect(ArithmeticTasks.prompt(for: "347+85=?") == "347+85=?\n")
        #expect(Self.longest[0].prompt == "9+9=?\n")
    }

    @Test("column addition, subtraction and multiplication read as documented")
    func workedExamples() {
        #expect(ColumnArithmetic.solution(of: ArithmeticProblem(347, [(.add, 85)])).solution == """
            7+5+0=12 r2
            4+8+1=13 r32
            3+0+1=4 r432
            \\boxed{432}
            """)
        #expect(ColumnArithmetic.solution(of: ArithmeticProblem(1000, [(.subtract, 999)])).solution == """
            10-9-0=1 r1
            10-9-1=0 r01
            10-9-1=0 r001
            1-0-1=0 r0001
            \\boxed{1}
            """)
        #expect(ColumnArithmetic.solution(of: ArithmeticProblem(347, [(.multiply, 6)])).solution == """
            7*6+0=42 r2
            4*6+4=28 r82
            3*6+2=20 r2082
            \\boxed{2082}
            """)
        #expect(ColumnArithmetic.solution(of: ArithmeticProblem(47, [(.add, 85), (.subtract, 63)])).solution == """
            7+5+0=12 r2
            4+8+1=13 r132
            132-63
            12-3-0=9 r9
            13-6-1=6 r69
            1-0-1=0 r069
            \\boxed{69}
            """)
    }
}
