import Foundation
import NIOCore

/// A request body kept in a temporary file instead of memory, with its
/// content hash taken on the way in.
struct SpooledDatasetBody: Sendable {
    let url: URL
    let byteCount: Int
    let contentHash: String

    /// Deletes the file (blocking I/O: off the cooperative pool).
    func remove() async {
        _ = try? await BlockingIO.run { [url] in try FileManager.default.removeItem(at: url) }
    }
}

enum DatasetBodySpool {
    /// Bytes gathered before each write to the file.
    static let writeChunkBytes = 1 << 20

    /// Writes `body` to a new file in `directory` while hashing it. A body
    /// over `limit` is refused (413) before it is read when its declared
    /// length says so, and otherwise as soon as the limit is crossed: no
    /// later chunk is read. Holds at most one write chunk in memory.
    static func spool<Body: AsyncSequence>(
        _ body: Body, declaredLength: Int?, limit: Int,
        directory: URL = FileManager.default.temporaryDirectory
    ) async throws -> SpooledDatasetBody where Body.Element == ByteBuffer {
        if let declaredLength, declaredLength > limit { throw JSONResponses.tooLarge(limit: limit) }
        let url = directory.appendingPathComponent("gvm-dataset-\(UUID().uuidString).jsonl")
        let handle = try await BlockingIO.run {
            // Owner-only: the body may be a private data set.
            _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            return try FileHandle(forWritingTo: url)
        }
        do {
            var hash = DatasetContentHash()
            var pending = Data()
            var byteCount = 0
            for try await buffer in body {
                byteCount += buffer.readableBytes
                guard byteCount <= limit else { throw JSONResponses.tooLarge(limit: limit) }
                buffer.withUnsafeReadableBytes { bytes in
                    hash.update(bytes)
                    pending.append(contentsOf: bytes)
                }
                if pending.count >= writeChunkBytes {
                    try await write(pending, to: handle)
                    pending = Data()
                }
            }
            try await write(pending, to: handle)
            try await BlockingIO.run { try handle.close() }
            return SpooledDatasetBody(url: url, byteCount: byteCount, contentHash: hash.finish())
        } catch {
            _ = try? await BlockingIO.run {
                try? handle.close()
                try FileManager.default.removeItem(at: url)
            }
            throw error
        }
    }

    private static func write(_ data: Data, to handle: FileHandle) async throws {
        guard !data.isEmpty else { return }
        try await BlockingIO.run { try handle.write(contentsOf: data) }
    }
}
