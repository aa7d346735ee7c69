/// Cuts JSONL bytes, arriving in chunks of any size, into numbered lines:
/// the same lines, with the same numbers from 1, as splitting the whole body
/// at every "\n". It holds at most one unfinished line, so a line longer
/// than `maxLineBytes` is refused, naming it, instead of being buffered.
struct DatasetLineFramer {
    struct Line: Equatable {
        var number: Int
        /// The line without its "\n" (a "\r" before it stays; JSON skips it).
        var bytes: [UInt8]

        /// Blank lines (spaces, tabs, "\r") are skipped but keep their number.
        var isBlank: Bool {
            bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
        }
    }

    /// Far above any prompt; the bound on what one line costs in memory.
    static let standardMaxLineBytes = 8 << 20

    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var nextNumber = 1

    init(maxLineBytes: Int = standardMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// The lines that `chunk` completes.
    mutating func lines(in chunk: ArraySlice<UInt8>) throws(RequestRefusal) -> [Line] {
        var lines: [Line] = []
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            try checkLength(adding: newline - start)
            pending.append(contentsOf: chunk[start..<newline])
            lines.append(takeLine())
            start = newline + 1
        }
        try checkLength(adding: chunk.endIndex - start)
        pending.append(contentsOf: chunk[start...])
        return lines
    }

    /// The last line, which has no "\n" after it (empty when the body ends
    /// with one, as splitting gives).
    mutating func finish() -> Line {
        takeLine()
    }

    private mutating func takeLine() -> Line {
        defer {
            pending = []
            nextNumber += 1
        }
        return Line(number: nextNumber, bytes: pending)
    }

    private func checkLength(adding count: Int) throws(RequestRefusal) {
        guard pending.count + count <= maxLineBytes else {
            throw .invalid(field: "line \(nextNumber)", "is longer than the \(maxLineBytes) bytes a line may have")
        }
    }
}
