import Foundation
import Testing
@testable import Policy

@Suite("Tasks: JSON lines files")
struct TaskJSONLinesTests {
    static let tasks = try! ArithmeticTasks.generate(seed: 4, count: 300, split: .train)

    @Test("each line is a JSON object with the task's fields")
    func linesDecode() throws {
        let text = String(decoding: ArithmeticTasks.jsonLines(Self.tasks), as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == Self.tasks.count)
        for (line, task) in zip(lines, Self.tasks) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["problem", "answer", "level", "solution"])
            #expect(object["problem"] as? String == task.problem)
            #expect(object["answer"] as? String == task.answer)
            #expect(object["level"] as? Int == task.level)
            #expect(object["solution"] as? String == task.solution)
        }
    }

    @Test("keys come in a fixed order and escapes are JSON's")
    func stableBytes() {
        let task = ArithmeticTask(level: 1, problem: "3+5=?", solution: "3+5+0=8 r8\n\\boxed{8}", answer: "8")
        #expect(task.jsonLine == #"{"answer":"8","level":1,"problem":"3+5=?","solution":"3+5+0=8 r8\n\\boxed{8}"}"#)
    }

    @Test("reading a written file gives the same tasks")
    func roundTrip() throws {
        #expect(try ArithmeticTasks.read(jsonLines: ArithmeticTasks.jsonLines(Self.tasks)) == Self.tasks)
    }

    @Test("a bad line is refused with its number")
    func badLine() {
        let file = Data((Self.tasks[0].jsonLine + "\n\n{\"problem\":\"1+1=?\",\"answer\":\"2\",\"level\":1}\n").utf8)
        #expect(throws: TaskFileError("line 3 has no string \"solution\"")) { try ArithmeticTasks.read(jsonLines: file) }
        #expect(throws: TaskFileError("line 1 is not JSON")) { try ArithmeticTasks.read(jsonLines: Data("{\n".utf8)) }
    }
}
