import ArgumentParser
import Foundation
import Policy

/// `gvm-model tasks`: writes the synthetic arithmetic tasks as training,
/// validation and test files (and optionally a training pool), ready for
/// warm starts, evaluation and `import-dataset`.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Write the synthetic arithmetic tasks to DIR/train.jsonl, DIR/validation.jsonl and DIR/test.jsonl.",
        discussion: """
            Each line is {"answer","level","problem","solution"}: the solution is the gold chain of \
            thought, ending in \\boxed{answer}. The same seed writes the same files. No problem is in \
            two of the three files, whatever seeds wrote them: which file a problem may go to is a fixed \
            function of its text. Levels get equal shares of each file. The warm start stops on \
            validation.jsonl; evaluations measure test.jsonl.

            --pool P also writes DIR/pool.jsonl: P training tasks (levels in equal shares) drawn \
            apart from train.jsonl, so they may or may not be in it, but never in validation or test. \
            Imported as a run's dataset, its prompts come back every P / promptsPerIteration iterations.
            """
    )

    @Option(help: "Seed of every draw.")
    var seed: UInt64

    @Option(help: "Tasks in train.jsonl.")
    var train: Int

    @Option(help: "Tasks in validation.jsonl (the warm start's stopping set).")
    var validation = 300

    @Option(help: "Tasks in test.jsonl.")
    var test = 1200

    @Option(help: "Also write this many training tasks to pool.jsonl (default: no pool).")
    var pool: Int?

    @Option(help: "The folder to write to; created if missing.")
    var output: String

    @Option(help: "Levels to draw from, comma-separated (default: all, 1 to 6).")
    var levels: String?

    func validate() throws {
        guard train >= 1 else { throw ValidationError("--train must be at least 1, got \(train)") }
        guard validation >= 1 else { throw ValidationError("--validation must be at least 1, got \(validation)") }
        guard test >= 1 else { throw ValidationError("--test must be at least 1, got \(test)") }
        if let pool, pool < 1 { throw ValidationError("--pool must be at least 1, got \(pool)") }
        _ = try chosenLevels()
    }

    func run() throws {
        let levels = try chosenLevels()
        let splits = try ArithmeticTasks.generateSplits(
            seed: seed, trainCount: train, validationCount: validation, testCount: test, levels: levels)
        let folder = URL(fileURLWithPath: output, isDirectory: true)
        var files = [
            (folder.appendingPathComponent("train.jsonl"), ArithmeticTasks.jsonLines(splits.train)),
            (folder.appendingPathComponent("validation.jsonl"), ArithmeticTasks.jsonLines(splits.validation)),
            (folder.appendingPathComponent("test.jsonl"), ArithmeticTasks.jsonLines(splits.test)),
        ]
        var poolTasks: [ArithmeticTask]?
        if let pool {
            let tasks = try ArithmeticTasks.generatePool(seed: seed, count: pool, levels: levels)
            files.append((folder.appendingPathComponent("pool.jsonl"), ArithmeticTasks.jsonLines(tasks)))
            poolTasks = tasks
        }
        try Self.writeAtomically(files, in: folder)
        print(TaskSummaryTable(levels: levels, splits: splits, pool: poolTasks).text, terminator: "")
        print("wrote " + files.map(\.0.path).joined(separator: ", "))
    }

    private func chosenLevels() throws -> [Int] {
        guard let levels else { return Array(ArithmeticTasks.levels) }
        var numbers: [Int] = []
        for part in levels.split(separator: ",", omittingEmptySubsequences: false) {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard let number = Int(text) else {
                throw ValidationError("--levels: \"\(text)\" is not a level number; levels are \(ArithmeticTasks.levels.lowerBound) to \(ArithmeticTasks.levels.upperBound)")
            }
            numbers.append(number)
        }
        do {
            try ArithmeticTasks.validate(levels: numbers)
        } catch {
            throw ValidationError("--levels: \(error)")
        }
        return numbers
    }

    /// Writes every file beside its destination first and renames them into
    /// place only once all are written, so a failure leaves no half-written
    /// file and no new file paired with an old one.
    private static func writeAtomically(_ files: [(url: URL, data: Data)], in folder: URL) throws {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TaskFilesError("cannot create \(folder.path): \(reason(error))")
        }
        let temporaries = files.map { file in
            file.url.deletingLastPathComponent().appendingPathComponent(".\(file.url.lastPathComponent).\(getpid()).partial")
        }
        defer {
            for temporary in temporaries where FileManager.default.fileExists(atPath: temporary.path) {
                try? FileManager.default.removeItem(at: temporary)
            }
        }
        for (file, temporary) in zip(files, temporaries) {
            do {
                try file.data.write(to: temporary)
            } catch {
                throw TaskFilesError("cannot write \(file.url.path): \(reason(error))")
            }
        }
        for (file, temporary) in zip(files, temporaries) {
            guard rename(temporary.path, file.url.path) == 0 else {
                throw TaskFilesError("cannot write \(file.url.path): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// The system's own words, e.g. "Permission denied", rather than Foundation's
/// generic "The operation could not be completed".
private func reason(_ error: any Error) -> String {
    if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? POSIXError {
        return String(cString: strerror(posix.code.rawValue))
    }
    return error.localizedDescription
}

/// The task files could not be written; ArgumentParser prints the message
/// and exits 1.
struct TaskFilesError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
