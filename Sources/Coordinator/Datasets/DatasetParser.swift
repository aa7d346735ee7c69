import Foundation
import MathVerifier
import Shared

/// How to read a JSONL prompt set. The defaults read MATH-500 and AMC 2023
/// as published.
struct DatasetImportOptions: Codable, Sendable, Equatable {
    var problemField: String = "problem"
    var answerField: String = "answer"
    /// Take the gold answer from the last `\boxed{}` of the answer field (for
    /// sets such as Minerva Math whose answer is a worked solution).
    var answerFromLastBox: Bool = false
}

/// A dataset read and checked whole, in memory: for small sets (fixtures,
/// tests). The HTTP import streams instead (`DatasetImporter`).
struct ParsedDataset: Sendable {
    struct Prompt: Sendable, Equatable {
        var problem: String
        var answer: String
        /// The line's whole-number `level`, when it has one (`gvm-model
        /// tasks` writes it; MATH-500 has 1 to 5): test accuracy is reported
        /// per level. Any other `level` is left out rather than refused.
        var level: Int? = nil
    }

    var name: String
    var contentHash: String
    var options: DatasetImportOptions
    var prompts: [Prompt]
}

enum DatasetParser {
    /// Parses JSONL; the first bad line fails the whole import, naming its
    /// line number (from 1). The same decisions as the streamed import.
    static func parse(name: String, jsonl: Data, options: DatasetImportOptions) throws(RequestRefusal) -> ParsedDataset {
        try checkName(name)
        var parser = DatasetBatchParser(options: options)
        var prompts: [ParsedDataset.Prompt] = []
        for batch in try parser.add(ArraySlice(jsonl)) { prompts += batch.prompts }
        for batch in try parser.finish() { prompts += batch.prompts }
        var hash = DatasetContentHash()
        hash.update(jsonl)
        return ParsedDataset(name: name, contentHash: hash.finish(), options: options, prompts: prompts)
    }

    static func checkName(_ name: String) throws(RequestRefusal) {
        guard !name.isEmpty, name.count <= 200 else {
            throw .invalid(field: "name", "must be 1 to 200 characters")
        }
    }

    static func parseLine(_ line: [UInt8], number: Int, options: DatasetImportOptions) throws(RequestRefusal) -> ParsedDataset.Prompt {
        func bad(_ problem: String) -> RequestRefusal {
            .invalid(field: "line \(number)", problem)
        }
        let value: JSONValue
        do {
            value = try JSONInput.decode(JSONValue.self, from: Data(line))
        } catch {
            throw bad(error.problem)
        }
        guard case .object(let fields) = value else { throw bad("must be a JSON object, got \(value.typeName)") }
        guard case .string(let problem)? = fields[options.problemField], !problem.isEmpty else {
            throw bad("field \"\(options.problemField)\" must be a non-empty string")
        }
        var answer: String
        switch fields[options.answerField] {
        case .string(let text)?: answer = text
        case .number(let number)?: answer = VerifyRequestLine.goldText(number)
        default: throw bad("field \"\(options.answerField)\" must be a string or a number")
        }
        if options.answerFromLastBox {
            guard let boxed = BoxedAnswer.last(in: answer) else {
                throw bad("field \"\(options.answerField)\" has no \\boxed{} answer")
            }
            answer = boxed
        }
        guard !answer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw bad("field \"\(options.answerField)\" is empty")
        }
        // SQLite would cut both at a NUL.
        for (field, text) in [(options.problemField, problem), (options.answerField, answer)] where text.utf8.contains(0) {
            throw bad("field \"\(field)\" must not contain NUL (U+0000)")
        }
        var level: Int?
        if case .number(let number)? = fields["level"], let whole = Int(exactly: number) { level = whole }
        return ParsedDataset.Prompt(problem: problem, answer: answer, level: level)
    }
}
