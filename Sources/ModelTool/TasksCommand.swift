import ArgumentParser
import Foundation
import Policy

/// `gvm-model tasks`: writes the synthetic arithmetic tasks as a training and
/// a test file, ready for warm starts, evaluation and `import-dataset`.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Write the synthetic arithmetic tasks to DIR/train.jsonl and DIR/test.jsonl.",
        discussion: """
            Each line is {"answer","level","problem","solution"}: the solution is the gold chain of \
            thought, ending in \\boxed{answer}. The same seed writes the same files, and no problem \
            is in both. Levels get equal shares of each file.
            """
    )

    @Option(help: "Seed of every draw.")
    var seed: UInt64

    @Option(help: "Tasks in train.jsonl.")
    var train: Int

    @Option(help: "Tasks in test.jsonl.")
    var test: Int

    @Option(help: "The folder to write to; created if missing.")
    var output: String

    @Option(help: "Levels to draw from, comma-separated (default: all, 1 to 6).")
    var levels: String?

    func validate() throws {
        guard train >= 1 else { throw ValidationError("--train must be at least 1, got \(train)") }
        guard test >= 1 else { throw ValidationError("--test must be at least 1, got \(test)") }
        _ = try chosenLevels()
    }

    func run() throws {
        let levels = try chosenLevels()
        let (train, test) = try ArithmeticTasks.generateSplits(seed: seed, trainCount: train, testCount: test, levels: levels)
        let folder = URL(fileURLWithPath: output, isDirectory: true)
        try Self.writeAtomically([
            (folder.appendingPathComponent("train.jsonl"), ArithmeticTasks.jsonLines(train)),
            (folder.appendingPathComponent("test.jsonl"), ArithmeticTasks.jsonLines(test)),
        ], in: folder)
        print(TaskSummaryTable(levels: levels, train: train, test: test).text, terminator: "")
        print("wrote \(folder.appendingPathComponent("train.jsonl").path) and \(folder.appendingPathComponent("test.jsonl").path)")
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
