import Foundation

/// Task files: JSON lines `{"answer","level","problem","solution"}`, which the
/// coordinator imports as a prompt set as they are (it reads `problem` and
/// `answer` and ignores the rest).
extension ArithmeticTask {
    /// One line, without its newline. Written by hand so the keys always come
    /// in the same (alphabetical) order and the bytes never depend on the
    /// platform's JSON encoder.
    public var jsonLine: String {
        "{\"answer\":\(Self.jsonString(answer)),\"level\":\(level),\"problem\":\(Self.jsonString(problem)),\"solution\":\(Self.jsonString(solution))}"
    }

    /// Reads a line written by `jsonLine` (or any JSON object with those
    /// fields; others are ignored).
    public init(jsonLine: Data) throws(TaskFileError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: jsonLine)
        } catch {
            throw TaskFileError("is not JSON")
        }
        guard let fields = object as? [String: Any] else { throw TaskFileError("is not a JSON object") }
        func text(_ key: String) throws(TaskFileError) -> String {
            guard let value = fields[key] as? String else { throw TaskFileError("has no string \"\(key)\"") }
            return value
        }
        guard let level = fields["level"] as? Int else { throw TaskFileError("has no integer \"level\"") }
        self.init(level: level, problem: try text("problem"), solution: try text("solution"), answer: try text("answer"))
    }

    private static func jsonString(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                quoted += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "\""
    }
}

extension ArithmeticTasks {
    /// A whole task file: one `jsonLine` per task, each ending in a newline.
    public static func jsonLines(_ tasks: [ArithmeticTask]) -> Data {
        var text = ""
        for task in tasks {
            text += task.jsonLine
            text += "\n"
        }
        return Data(text.utf8)
    }

    /// Reads a task file; blank lines are skipped, and the first bad line
    /// fails the whole file, naming its number (from 1).
    public static func read(jsonLines data: Data) throws(TaskFileError) -> [ArithmeticTask] {
        var tasks: [ArithmeticTask] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            do {
                tasks.append(try ArithmeticTask(jsonLine: Data(line)))
            } catch {
                throw TaskFileError("line \(index + 1) " + error.description)
            }
        }
        return tasks
    }
}

/// A task file line that cannot be read.
public struct TaskFileError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
