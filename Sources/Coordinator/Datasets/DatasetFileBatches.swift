import Foundation

/// Reads a spooled JSONL file chunk by chunk and parses it into batches.
/// Blocking: call `next` through `BlockingIO`, from one task at a time (the
/// reason it may be `@unchecked Sendable`).
final class DatasetFileBatches: @unchecked Sendable {
    static let readChunkBytes = 1 << 20

    private let handle: FileHandle
    private var parser: DatasetBatchParser
    private var finished = false

    init(url: URL, options: DatasetImportOptions, batcher: DatasetBatcher = .init()) throws {
        handle = try FileHandle(forReadingFrom: url)
        parser = DatasetBatchParser(options: options, batcher: batcher)
    }

    deinit { try? handle.close() }

    /// Closes the file early (blocking: through `BlockingIO`).
    func close() throws {
        try handle.close()
    }

    var promptCount: Int { parser.promptCount }

    /// The batches the next chunk completes (possibly none), or nil once the
    /// whole file has been read.
    func next() throws -> [DatasetBatcher.Batch]? {
        guard !finished else { return nil }
        if let chunk = try handle.read(upToCount: Self.readChunkBytes), !chunk.isEmpty {
            return try parser.add(ArraySlice(chunk))
        }
        finished = true
        return try parser.finish()
    }
}
