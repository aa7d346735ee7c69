import Foundation
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// The decisions of a streamed import, without a database: line framing,
/// batch boundaries and what a name's current content means.
@Suite("Dataset framing and batches")
struct DatasetFramingTests {
    static let body = Array("{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}".utf8)

    /// Lines as splitting the whole body at every "\n" numbers them.
    static func splitLines(_ bytes: [UInt8]) -> [DatasetLineFramer.Line] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated().map {
            DatasetLineFramer.Line(number: $0.offset + 1, bytes: Array($0.element))
        }
    }

    static func framed(_ bytes: [UInt8], chunkSize: Int) throws -> [DatasetLineFramer.Line] {
        var framer = DatasetLineFramer()
        var lines: [DatasetLineFramer.Line] = []
        var start = 0
        while start < bytes.count {
            let end = min(start + chunkSize, bytes.count)
            lines += try framer.lines(in: bytes[start..<end])
            start = end
        }
        return lines + [framer.finish()]
    }

    @Test("chunks of any size give the lines, numbers and blanks that splitting the whole body gives", arguments: [1, 2, 3, 7, 1000])
    func chunking(_ chunkSize: Int) throws {
        for body in [Self.body, Self.body + [UInt8(ascii: "\n")], [], Array("\n\n".utf8)] {
            #expect(try Self.framed(body, chunkSize: chunkSize) == Self.splitLines(body))
        }
        #expect(try Self.framed(Self.body, chunkSize: chunkSize).map(\.isBlank) == [false, true, true, false, false])
    }

    @Test("a line longer than the limit is refused by its number, even when it never ends")
    func longLine() throws {
        var framer = DatasetLineFramer(maxLineBytes: 8)
        #expect(try framer.lines(in: ArraySlice("12345678\nabc".utf8)).map(\.number) == [1])
        do {
            _ = try framer.lines(in: ArraySlice("defghi".utf8))
            Issue.record("a 9-byte line should have been refused")
        } catch {
            #expect(error.field == "line 2" && error.kind == .invalid)
        }
    }

    @Test("batches end at the prompt or byte limit and number positions without gaps")
    func batchBoundaries() {
        var byCount = DatasetBatcher(maxPrompts: 3, maxBytes: .max)
        var batches: [DatasetBatcher.Batch] = []
        for index in 0..<7 {
            if let batch = byCount.add(.init(problem: "p\(index)", answer: "a")) { batches.append(batch) }
        }
        if let last = byCount.finish() { batches.append(last) }
        #expect(batches.map(\.firstPosition) == [0, 3, 6])
        #expect(batches.map(\.prompts.count) == [3, 3, 1])
        #expect(batches.flatMap(\.prompts).map(\.problem) == (0..<7).map { "p\($0)" })
        #expect(byCount.finish() == nil && byCount.promptCount == 7)

        var byBytes = DatasetBatcher(maxPrompts: .max, maxBytes: 10)
        #expect(byBytes.add(.init(problem: "12345", answer: "6")) == nil)
        #expect(byBytes.add(.init(problem: "1234", answer: "5"))?.prompts.count == 2)
        #expect(byBytes.add(.init(problem: String(repeating: "x", count: 50), answer: "1"))?.firstPosition == 2)
    }

    @Test("the batch parser gives the prompts of the whole-body parse, over many batches and chunks")
    func batchParserMatchesParse() throws {
        let jsonl = try Fixtures.data("math500-20.jsonl")
        let whole = try DatasetParser.parse(name: "m", jsonl: jsonl, options: .init())
        var parser = DatasetBatchParser(options: .init(), batcher: DatasetBatcher(maxPrompts: 3))
        var batches: [DatasetBatcher.Batch] = []
        let bytes = Array(jsonl)
        for start in stride(from: 0, to: bytes.count, by: 333) {
            batches += try parser.add(bytes[start..<min(start + 333, bytes.count)])
        }
        batches += try parser.finish()
        #expect(batches.flatMap(\.prompts) == whole.prompts)
        #expect(batches.map(\.firstPosition) == Array(stride(from: 0, to: 20, by: 3)))
        #expect(whole.prompts.compactMap(\.level).count == 20)
    }

    @Test("a body of blank lines holds no prompts")
    func empty() {
        var parser = DatasetBatchParser(options: .init())
        #expect(throws: RequestRefusal.invalid(field: "body", "holds no prompts")) {
            _ = try parser.add(ArraySlice(" \n\r\n".utf8))
            _ = try parser.finish()
        }
    }

    @Test("a name's ready content decides: import, no-op or conflict")
    func nameClaim() {
        #expect(DatasetNameClaim(readyContentHash: nil, contentHash: "sha256:a") == .free)
        #expect(DatasetNameClaim(readyContentHash: "sha256:a", contentHash: "sha256:a") == .alreadyImported)
        #expect(DatasetNameClaim(readyContentHash: "sha256:b", contentHash: "sha256:a") == .taken)
    }

    @Test("an importing row's placeholder is unique and no valid dataset name")
    func placeholder() {
        let first = DatasetRowState.placeholderName()
        #expect(first != DatasetRowState.placeholderName())
        #expect(throws: FieldError.self) { try WireText.checkName(first, field: "dataset") }
    }
}
