import Foundation
import Testing
import TestSupport

/// `gvm-model gradient-pools` as a process: the cache layout the Python
/// analysis reads, resuming over complete batches, rebuilding a batch cut
/// short, and refusing options or a cache it cannot honour.
@Suite("gvm-model gradient-pools", .serialized)
struct GradientPoolsCommandTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-pools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Level-1 tasks with a pool file, and a tiny model warm-started on them;
    /// 600 steps (about 3 s) make some of its samples right.
    func writeTasksAndWeights(steps: Int) async throws {
        let tasks = try await BuiltProduct.model.run(
            ["tasks", "--seed", "3", "--train", "40", "--validation", "3", "--test", "4", "--pool", "4", "--levels", "1", "--output", path("tasks")])
        #expect(tasks.status == 0, "\(tasks.stderr)")
        let warm = try await BuiltProduct.model.run(
            ["warm-start", "--train", path("tasks/train.jsonl"), "--validation", path("tasks/validation.jsonl"), "--output", path("v0.weights"),
             "--steps", "\(steps)", "--eval-every", "\(steps)", "--eval-tasks", "3", "--batch-size", "8", "--learning-rate", "0.01"]
                + ModelToolCommandTests.tinyShape)
        #expect(warm.status == 0, "\(warm.stderr)")
    }

    var arguments: [String] {
        ["gradient-pools", "--weights", path("v0.weights"), "--tasks", path("tasks/pool.jsonl"), "--label", "v0", "--cache", path("cache"),
         "--batches", "1", "--batch-size", "2", "--pool", "4", "--dimensions", "64", "--seed", "5"]
    }

    func sha256(_ file: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }

    @Test("one batch: the record's fields, a float32 row per sample, and a rerun that skips it")
    func oneBatchThenResume() async throws {
        try await writeTasksAndWeights(steps: 600)
        let first = try await BuiltProduct.model.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdoutText.contains("batch 0: 2/2 prompts"), "\(first.stdoutText)")

        let recordURL = URL(fileURLWithPath: path("cache/v0/batch-0.json"))
        let sketchesURL = URL(fileURLWithPath: path("cache/v0/batch-0.f32"))
        let recordBytes = try Data(contentsOf: recordURL)
        let record = try #require(try JSONSerialization.jsonObject(with: recordBytes) as? [String: Any])
        #expect(record["format"] as? Int == 1 && record["label"] as? String == "v0" && record["batch"] as? Int == 0)
        #expect(record["weightsSHA256"] as? String == (try sha256(path("v0.weights"))))
        #expect(record["tasksFile"] as? String == "pool.jsonl")
        #expect(record["poolSize"] as? Int == 4 && record["dimensions"] as? Int == 64 && record["maxTokens"] as? Int == 128)
        #expect(record["sketchSeed"] as? Int == 1 && record["samplingSeed"] as? Int == 5 && record["temperature"] as? Double == 1)
        // The tiny shape: 97 × 16 embedding and head, 32 × 16 positions, one block.
        #expect(record["parameterCount"] as? Int == 7025)
        #expect(!(record["cpuModel"] as? String ?? "").isEmpty && !(record["openblasCore"] as? String ?? "").isEmpty)
        #expect((record["seconds"] as? Double ?? -1) >= 0)
        let prompts = try #require(record["prompts"] as? [[String: Any]])
        #expect(prompts.count == 2)
        for (position, prompt) in prompts.enumerated() {
            #expect(prompt["taskIndex"] as? Int == position && prompt["level"] as? Int == 1)
            let rewards = try #require(prompt["rewards"] as? [Int]), tokens = try #require(prompt["tokens"] as? [Int])
            #expect(rewards.count == 4 && rewards.allSatisfy { $0 == 0 || $0 == 1 })
            #expect(tokens.count == 4 && tokens.allSatisfy { $0 >= 1 })
            let gradients = try #require(prompt["gradients"] as? Bool)
            #expect(gradients == rewards.contains(1))
            for key in ["normEmbedding", "normHead", "normAll"] {
                let norms = try #require(prompt[key] as? [Double], "\(key)")
                #expect(norms.count == 4 && norms.allSatisfy { gradients ? $0 > 0 : $0 == 0 }, "\(key)")
            }
        }
        let sketches = try Data(contentsOf: sketchesURL)
        #expect(sketches.count == 2 * 4 * 64 * 4)
        // Row prompt × M + sample: zero without a gradient; with one, its
        // squared length estimates normAll² (loosely: D = 64 is a coarse sketch).
        let rows = sketches.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(prompts.contains { $0["gradients"] as? Bool == true }, "the warm start should make some samples right")
        for (position, prompt) in prompts.enumerated() {
            let normAll = try #require(prompt["normAll"] as? [Double])
            for sample in 0..<4 {
                let row = rows[((position * 4 + sample) * 64)..<((position * 4 + sample + 1) * 64)]
                let squared = row.reduce(0.0) { $0 + Double($1) * Double($1) }
                if prompt["gradients"] as? Bool == true {
                    let ratio = squared / (normAll[sample] * normAll[sample])
                    #expect(ratio > 0.25 && ratio < 4, "prompt \(position), sample \(sample): ratio \(ratio)")
                } else {
                    #expect(squared == 0, "prompt \(position), sample \(sample)")
                }
            }
        }

        // Complete: skipped, and left as it was.
        let again = try await BuiltProduct.model.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdoutText.contains("batch 0: complete") && again.stdoutText.contains("skipped"), "\(again.stdoutText)")
        #expect(try Data(contentsOf: recordURL) == recordBytes)

        // A batch cut short (sketches without a record, and the partial file
        // a killed run leaves) is rebuilt, to the same bytes.
        try FileManager.default.removeItem(at: recordURL)
        try Data("stale".utf8).write(to: sketchesURL)
        try Data("partial".utf8).write(to: URL(fileURLWithPath: path("cache/v0/.batch-0.f32.partial")))
        let rebuilt = try await BuiltProduct.model.run(arguments)
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try Data(contentsOf: sketchesURL) == sketches)
        var rebuiltRecord = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        var firstRecord = record
        rebuiltRecord["seconds"] = nil
        firstRecord["seconds"] = nil
        #expect(NSDictionary(dictionary: rebuiltRecord).isEqual(to: firstRecord))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: path("cache/v0")).sorted()
        #expect(leftovers == [".lock", "batch-0.f32", "batch-0.json"])

        // A complete batch built with other settings is not mixed in.
        let other = try await BuiltProduct.model.run(arguments.map { $0 == "5" ? "6" : $0 })
        #expect(other.status != 0)
        #expect(other.stderr.contains("--seed 5") && other.stderr.contains("batch-0.json"), "\(other.stderr)")

        // While another run holds the label's folder, a second one refuses at once.
        let descriptor = open(path("cache/v0/.lock"), O_RDWR)
        #expect(descriptor >= 0 && flock(descriptor, LOCK_EX | LOCK_NB) == 0)
        let locked = try await BuiltProduct.model.run(arguments)
        close(descriptor)
        #expect(locked.status != 0 && locked.stderr.contains("another gradient-pools run"), "\(locked.stderr)")
    }

    @Test("bad options and too few tasks are refused, naming the option, before anything is written")
    func badOptions() async throws {
        try await writeTasksAndWeights(steps: 1)
        func replacing(_ option: String, with value: String) -> [String] {
            var copy = arguments
            copy[copy.firstIndex(of: option)! + 1] = value
            return copy
        }
        let cases: [([String], String)] = [
            (replacing("--dimensions", with: "100"), "--dimensions must be a power of two"),
            (replacing("--pool", with: "0"), "--pool"),
            (replacing("--batches", with: "0"), "--batches"),
            (replacing("--batch-size", with: "0"), "--batch-size"),
            (replacing("--label", with: "a/b"), "--label"),
            (arguments + ["--max-tokens", "0"], "--max-tokens"),
            // pool.jsonl holds 4 tasks.
            (replacing("--batches", with: "3"), "--tasks"),
            (replacing("--weights", with: path("tasks/pool.jsonl")), "--weights"),
        ]
        for (arguments, message) in cases {
            let result = try await BuiltProduct.model.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("cache")))
    }
}
