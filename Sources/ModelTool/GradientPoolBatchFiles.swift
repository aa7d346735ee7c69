import Foundation

/// The two files of one batch in the mechanism benchmark's cache. The
/// sketches go to `batch-<b>.f32` through a temporary name; `batch-<b>.json`
/// is renamed into place last, so its presence means the batch is complete
/// and a batch cut short leaves no file that claims otherwise.
struct GradientPoolBatchFiles {
    let sketches: URL
    let record: URL

    init(folder: URL, batch: Int) {
        sketches = folder.appendingPathComponent("batch-\(batch).f32")
        record = folder.appendingPathComponent("batch-\(batch).json")
    }

    var isComplete: Bool { FileManager.default.fileExists(atPath: record.path) }

    func readRecord() throws -> GradientPoolBatchRecord {
        let data: Data
        do {
            data = try Data(contentsOf: record)
        } catch {
            throw GradientPoolsError("cannot read \(record.path): \((error as NSError).localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(GradientPoolBatchRecord.self, from: data)
        } catch {
            throw GradientPoolsError("\(record.path) is not a batch record (\(error)); delete it to rebuild the batch")
        }
    }

    /// Opens the temporary sketch file for rows to be appended in order.
    func openSketches() throws -> SketchRowWriter {
        try SketchRowWriter(temporary: Self.temporary(for: sketches), destination: sketches)
    }

    func writeRecord(_ value: GradientPoolBatchRecord) throws {
        let temporary = Self.temporary(for: record)
        do {
            try value.jsonData().write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw GradientPoolsError("cannot write \(record.path): \((error as NSError).localizedDescription)")
        }
        try moveIntoPlace(temporary, record)
    }

    /// A fixed name, so that a run killed mid-batch leaves at most one
    /// partial file per batch, which the next run overwrites (the cache
    /// folder's lock keeps two runs apart).
    static func temporary(for url: URL) -> URL {
        url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
    }
}

/// Appends float32 rows to a temporary file and renames it into place when
/// finished, so a whole batch (268 MB at 64 × 256 × 4096) never sits in
/// memory. Little-endian: the bytes of the machine's floats, checked below.
final class SketchRowWriter {
    private let temporary: URL
    private let destination: URL
    private let handle: FileHandle
    private(set) var bytesWritten = 0
    private var finished = false

    init(temporary: URL, destination: URL) throws {
        #if !_endian(little)
        #error("batch-<b>.f32 is little-endian float32; this writer copies the machine's floats as they are")
        #endif
        self.temporary = temporary
        self.destination = destination
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw GradientPoolsError("cannot create \(temporary.path): \(String(cString: strerror(errno)))")
        }
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            throw GradientPoolsError("cannot open \(temporary.path): \((error as NSError).localizedDescription)")
        }
    }

    deinit {
        // A batch cut short by an error leaves no partial file behind.
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
        }
    }

    func append(_ rows: UnsafeBufferPointer<Float>) throws {
        guard let base = rows.baseAddress, !rows.isEmpty else { return }
        let bytes = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: rows.count * 4, deallocator: .none)
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw GradientPoolsError("cannot write \(destination.path): \((error as NSError).localizedDescription)")
        }
        bytesWritten += bytes.count
    }

    /// Flushes the file to disk and renames it into place.
    func finish() throws {
        do {
            try handle.synchronize()
            try handle.close()
            finished = true
        } catch {
            throw GradientPoolsError("cannot write \(destination.path): \((error as NSError).localizedDescription)")
        }
        try moveIntoPlace(temporary, destination)
    }
}

private func moveIntoPlace(_ temporary: URL, _ destination: URL) throws {
    guard rename(temporary.path, destination.path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw GradientPoolsError("cannot write \(destination.path): \(reason)")
    }
}

/// The cache could not be read or written, or holds a batch built with other
/// settings; ArgumentParser prints the message and exits 1.
struct GradientPoolsError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
