import Foundation
import Testing
import TestSupport

/// `gvm-model` as a process: tasks, a tiny warm start, evaluation, and bad
/// input refused with a message and nothing written.
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
            ["tasks", "--seed", "3", "--train", "20", "--test", "4", "--levels", "1", "--output", path("tasks")])
        #expect(result.status == 0, "\(result.stderr)")
    }

    static let tinyShape = ["--width", "16", "--layers", "1", "--heads", "2", "--context", "32"]

    @Test("tasks, a tiny warm start and its evaluation; a truncated weights file is refused")
    func tasksWarmStartEvaluate() async throws {
        try await writeTasks()
        let train = try String(contentsOfFile: path("tasks/train.jsonl"), encoding: .utf8)
        #expect(train.split(separator: "\n").count == 20)
        let warm = try await BuiltProduct.model.run(
            ["warm-start", "--train", path("tasks/train.jsonl"), "--test", path("tasks/test.jsonl"), "--output", path("v0.weights"),
             "--steps", "3", "--eval-every", "3", "--eval-tasks", "2", "--batch-size", "4"] + Self.tinyShape)
        #expect(warm.status == 0, "\(warm.stderr)")
        #expect(warm.stdoutText.contains("wrote version 0") && warm.stdoutText.contains("  all      2"), "\(warm.stdoutText)")

        let evaluation = try await BuiltProduct.model.run(
            ["evaluate", "--weights", path("v0.weights"), "--tasks", path("tasks/test.jsonl")])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        #expect(evaluation.stdoutText.contains("weights: version 0") && evaluation.stdoutText.contains("  all      4"))

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path("v0.weights")))
        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: path("cut.weights")))
        let cut = try await BuiltProduct.model.run(["evaluate", "--weights", path("cut.weights"), "--tasks", path("tasks/test.jsonl")])
        #expect(cut.status != 0)
        #expect(cut.stderr.contains("cut.weights") && cut.stderr.contains("truncated"), "\(cut.stderr)")
    }

    @Test("bad options and inputs exit non-zero, say what is wrong, and write nothing")
    func badInput() async throws {
        try await writeTasks()
        try Data("not weights".utf8).write(to: URL(fileURLWithPath: path("junk.weights")))
        let cases: [([String], String)] = [
            (["tasks", "--seed", "1", "--train", "0", "--test", "1", "--output", path("never")], "--train must be at least 1"),
            (["tasks", "--seed", "1", "--train", "5", "--test", "1", "--levels", "9", "--output", path("never")], "unknown level 9"),
            (["warm-start", "--train", path("missing.jsonl"), "--test", path("tasks/test.jsonl"), "--output", path("never.weights")],
             "cannot read"),
            (["warm-start", "--train", path("tasks/train.jsonl"), "--test", path("tasks/test.jsonl"), "--output", path("never.weights"),
              "--target-accuracy", "2"], "--target-accuracy"),
            (["warm-start", "--train", path("tasks/train.jsonl"), "--test", path("tasks/test.jsonl"), "--output", path("never.weights"),
              "--width", "10", "--heads", "4"], "width"),
            // Tasks longer than the context are refused before any training.
            (["warm-start", "--train", path("tasks/train.jsonl"), "--test", path("tasks/test.jsonl"), "--output", path("never.weights"),
              "--width", "16", "--layers", "1", "--heads", "2", "--context", "8"], "context length"),
            (["evaluate", "--weights", path("junk.weights"), "--tasks", path("tasks/test.jsonl")], "junk.weights"),
            (["evaluate", "--weights", path("junk.weights"), "--tasks", path("tasks/test.jsonl"), "--limit", "0"], "--limit"),
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
