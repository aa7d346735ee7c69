import Foundation
import Testing
import TestSupport

/// `gvm-model` as a process: tasks, a tiny warm start, evaluation (greedy
/// and at a temperature), and bad input refused with a message and nothing
/// written.
@Suite("gvm-model", .serialized)
struct ModelToolCommandTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Level-1 tasks (at most 30 characters) and a tiny model that fits them.
    func writeTasks() async throws {
        let result = try await BuiltProduct.model.run(
            ["tasks", "--seed", "3", "--train", "20", "--validation", "3", "--test", "4", "--levels", "1", "--output", path("tasks")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static let tinyShape = ["--width", "16", "--layers", "1", "--heads", "2", "--context", "32"]

    @Test("tasks, a tiny warm start and its evaluation; a truncated weights file is refused")
    func tasksWarmStartEvaluate() async throws {
        try await writeTasks()
        let train = try String(contentsOfFile: path("tasks/train.jsonl"), encoding: .utf8)
        #expect(train.split(separator: "\n").count == 20)
        let warm = try await BuiltProduct.model.run(
            ["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("v0.weights"),
             "--steps", "3", "--eval-every", "3", "--eval-tasks", "2", "--batch-size", "4"] + Self.tinyShape)
        #expect(warm.status == 0, "\(warm.stderr)")
        #expect(warm.stdoutText.contains("wrote version 0") && warm.stdoutText.contains("  all      2"), "\(warm.stdoutText)")

        let evaluation = try await BuiltProduct.model.run(
            ["evaluate", "--weights", path("v0.weights"), "--tasks", path("tasks/test.jsonl")])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdoutText.contains("weights: version 0") && evaluation.stdoutText.contains("  all      4"))
        #expect(evaluation.stdoutText.contains("gold chain of thought, teacher-forced"), "\(evaluation.stdoutText)")

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("v0.weights")))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path("cut.weights")))
        let cut = try await BuiltProduct.model.run(["evaluate", "--weights", path("cut.weights"), "--tasks", path("tasks/test.jsonl")])
        #expect(cut.status != 0)
        #expect(cut.stderr.contains("cut.weights") && cut.stderr.contains("truncated"), "\(cut.stderr)")
    }

    @Test("tasks writes three disjoint files with every level, and a pool on request")
    func threeSplitsAndPool() async throws {
        let result = try await BuiltProduct.model.run(["tasks", "--seed", "5", "--train", "60", "--pool", "12", "--output", path("all")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("validation") && result.stdoutText.contains("pool"), "\(result.stdoutText)")
        func problems(_ name: String) throws -> [(level: Int, problem: String)] {
            try String(contentsOfFile: path("all/\(name).jsonl"), encoding: .utf8).split(separator: "\n").map { line in
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return (object["level"] as! Int, object["problem"] as! String)
            }
        }
        let train = try problems("train"), validation = try problems("validation"), test = try problems("test")
        let pool = try problems("pool")
        // The defaults: 300 validation and at least 1,000 test tasks.
        #expect(train.count == 60 && validation.count == 300 && test.count >= 1000 && pool.count == 12)
        for split in [train, validation, test, pool] {
            #expect(Set(split.map(\.level)) == Set(1...6))
        }
        let trainSet = Set(train.map(\.problem)), validationSet = Set(validation.map(\.problem)), testSet = Set(test.map(\.problem))
        #expect(trainSet.isDisjoint(with: validationSet) && trainSet.isDisjoint(with: testSet) && validationSet.isDisjoint(with: testSet))
        #expect(Set(pool.map(\.problem)).isDisjoint(with: validationSet.union(testSet)))

        // The same seed writes the same bytes.
        let again = try await BuiltProduct.model.run(["tasks", "--seed", "5", "--train", "60", "--pool", "12", "--output", path("again")])
        #expect(again.status == 0)
        for name in ["train", "validation", "test", "pool"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: path("all/\(name).jsonl")))
                    == Data(contentsOf: URL(fileURLWithPath: path("again/\(name).jsonl"))), "\(name)")
        }
    }

    @Test("evaluate at a temperature: the same seed prints the same figures, JSON has them under camelCase keys")
    func evaluateAtTemperature() async throws {
        try await writeTasks()
        let warm = try await BuiltProduct.model.run(
            ["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("v0.weights"),
             "--steps", "2", "--eval-every", "2", "--batch-size", "4"] + Self.tinyShape)
        #expect(warm.status == 0, "\(warm.stderr)")
        let arguments = ["evaluate", "--weights", path("v0.weights"), "--tasks", path("tasks/test.jsonl"),
                         "--temperature", "1", "--samples", "5", "--seed", "3", "--max-tokens", "30", "--json"]
        let first = try await BuiltProduct.model.run(arguments)
        let again = try await BuiltProduct.model.run(arguments)
        #expect(first.status == 0 && again.status == 0, "\(first.stderr)")
        let a = try JSONSerialization.jsonObject(with: first.stdout) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: again.stdout) as! [String: Any]
        let expected = try #require(a["expectedAccuracy"] as? [String: Any])
        #expect(expected["samplesPerTask"] as? Int == 5 && expected["tasks"] as? Int == 4 && expected["seed"] as? Int == 3)
        #expect(expected["mean"] as? Double != nil && expected["standardError"] as? Double != nil)
        #expect((b["expectedAccuracy"] as? [String: Any])?["mean"] as? Double == expected["mean"] as? Double)
        let gold = try #require(a["goldLogLikelihood"] as? [String: Any])
        #expect(gold["tasks"] as? Int == 4 && (gold["meanPerToken"] as? Double ?? 0) < 0)
        #expect(a["greedy"] == nil)

        let text = try await BuiltProduct.model.run(Array(arguments.dropLast()))
        #expect(text.stdoutText.contains("expected accuracy at temperature 1") && text.stdoutText.contains("std. error"), "\(text.stdoutText)")
    }

    @Test("bad options and inputs exit non-zero, say what is wrong, and write nothing")
    func badInput() async throws {
        try await writeTasks()
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: path("junk.weights")))
        let cases: [([String], String)] = [
            (["tasks", "--seed", "1", "--train", "0", "--test", "1", "--output", path("never")], "--train must be at least 1"),
            (["tasks", "--seed", "1", "--train", "5", "--test", "1", "--levels", "9", "--output", path("never")], "unknown level 9"),
            (["warm-start", "--train", path("missing.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("never.weights")],
             "cannot read"),
            (["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("never.weights"),
              "--target-accuracy", "2"], "--target-accuracy"),
            (["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("never.weights"),
              "--width", "10", "--heads", "4"], "width"),
            // Tasks longer than the context are refused before any training.
            (["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("never.weights"),
              "--width", "16", "--layers", "1", "--heads", "2", "--context", "8"], "context length"),
            (["evaluate", "--weights", path("junk.weights"), "--tasks", path("tasks/test.jsonl")], "junk.weights"),
            (["evaluate", "--weights", path("junk.weights"), "--tasks", path("tasks/test.jsonl"), "--limit", "0"], "--limit"),
            (["evaluate", "--weights", path("junk.weights"), "--tasks", path("tasks/test.jsonl"), "--samples", "4"], "--samples needs --temperature"),
            (["evaluate", "--weights", path("junk.weights"), "--tasks", path("tasks/test.jsonl"), "--temperature", "-1"], "--temperature"),
            (["tasks", "--seed", "1", "--train", "5", "--validation", "0", "--output", path("never")], "--validation must be at least 1"),
            (["tasks", "--seed", "1", "--train", "5", "--pool", "0", "--output", path("never")], "--pool must be at least 1"),
            // The warm start must not stop on the test split.
            (["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/test.jsonl"), "--output", path("never.weights")],
             "test-split problem"),
            (["warm-start", "--train", path("tasks/train.jsonl"), "--test", path("tasks/test.jsonl"), "--output", path("never.weights")],
             "--validation"),
            (["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"),
              "--test", path("tasks/test.jsonl"), "--output", path("never.weights")], "no longer reads the test split"),
            (["bench", "--length", "1"], "--length"),
        ]
        for (arguments, message) in cases {
            let result = try await BuiltProduct.model.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("never")))
        #expect(!FileManager.default.fileExists(atPath: path("never.weights")))
    }
}
