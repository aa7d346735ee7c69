import Foundation

/// JSONL bytes in, batches of checked prompts out, in bounded memory: it holds
/// one unfinished line and one unfinished batch, whatever the body's size.
/// The first bad line fails the whole import, naming its line number.
struct DatasetBatchParser {
    let options: DatasetImportOptions
    private var framer: DatasetLineFramer
    private var batcher: DatasetBatcher
    private var finished = false

    init(options: DatasetImportOptions, framer: DatasetLineFramer = .init(), batcher: DatasetBatcher = .init()) {
        self.options = options
        self.framer = framer
        self.batcher = batcher
    }

    var promptCount: Int { batcher.promptCount }

    /// The batches that `chunk` completes.
    mutating func add(_ chunk: ArraySlice<UInt8>) throws(RequestRefusal) -> [DatasetBatcher.Batch] {
        precondition(!finished, "add after finish")
        var batches: [DatasetBatcher.Batch] = []
        for line in try framer.lines(in: chunk) {
            if let batch = try add(line) { batches.append(batch) }
        }
        return batches
    }

    /// The end of the body: the batches still to store (none, one or two).
    /// A body without any prompt is refused.
    mutating func finish() throws(RequestRefusal) -> [DatasetBatcher.Batch] {
        precondition(!finished, "finish twice")
        finished = true
        var batches: [DatasetBatcher.Batch] = []
        if let batch = try add(framer.finish()) { batches.append(batch) }
        if let batch = batcher.finish() { batches.append(batch) }
        guard batcher.promptCount > 0 else { throw .invalid(field: "body", "holds no prompts") }
        return batches
    }

    private mutating func add(_ line: DatasetLineFramer.Line) throws(RequestRefusal) -> DatasetBatcher.Batch? {
        guard !line.isBlank else { return nil }
        return batcher.add(try DatasetParser.parseLine(line.bytes, number: line.number, options: options))
    }
}
