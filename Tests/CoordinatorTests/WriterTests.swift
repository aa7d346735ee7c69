import Foundation
import GRDB
import Synchronization
import Testing
@testable import Coordinator

/// The two pieces that keep SQLite's single writer fast: group commit and
/// checkpoints off the writer.
@Suite("SQLite writer")
struct WriterTests {
    struct Failure: Error, Equatable { let index: Int }

    private static func temporaryPool(autocheckpoint: Bool) throws -> (DatabasePool, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-writer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("writer.sqlite").path
        var configuration = Configuration()
        if !autocheckpoint {
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in try db.execute(sql: "CREATE TABLE item (id INTEGER PRIMARY KEY, payload BLOB)") }
        return (pool, path)
    }

    @Test("a write that makes SQLite roll back the whole batch (a full disk) fails alone; the others of its batch are taken")
    func abortedBatch() async throws {
        let (pool, _) = try Self.temporaryPool(autocheckpoint: true)
        try await pool.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages + 4)")
        }
        let writer = GroupCommitWriter(pool: pool, maximumBatch: 16)
        // Hold the writer so that the twelve writes below queue up and run
        // as one batch, the big one in the middle.
        let gate = Mutex(false)
        let blocker = Task {
            try await writer.write { _ in
                while !gate.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.005) }
            }
        }
        let outcomes = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<12 {
                group.addTask {
                    do {
                        try await writer.write { db in
                            // Write 6 is far too big for the four free pages.
                            let size = index == 6 ? 1 << 20 : 16
                            try db.execute(sql: "INSERT INTO item (id, payload) VALUES (?, zeroblob(?))", arguments: [index, size])
                        }
                        return (index, "ok")
                    } catch let error as DatabaseError {
                        return (index, error.resultCode == .SQLITE_FULL ? "full" : "\(error.resultCode)")
                    } catch {
                        return (index, "\(error)")
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
            gate.withLock { $0 = true }
            var all: [Int: String] = [:]
            for await (index, outcome) in group { all[index] = outcome }
            return all
        }
        try await blocker.value
        #expect(outcomes[6] == "full")
        #expect((0..<12).filter { $0 != 6 }.allSatisfy { outcomes[$0] == "ok" }, "\(outcomes)")
        let stored = try await pool.read { db in try Int.fetchAll(db, sql: "SELECT id FROM item ORDER BY id") }
        #expect(stored == (0..<12).filter { $0 != 6 })
    }

    @Test("concurrent writes each get their own answer; a failing one leaves nothing and spoils no other")
    func groupCommit() async throws {
        let (pool, _) = try Self.temporaryPool(autocheckpoint: true)
        let writer = GroupCommitWriter(pool: pool, maximumBatch: 8)
        let outcomes = await withTaskGroup(of: (Int, Result<Int64, Failure>).self) { group in
            for index in 0..<200 {
                group.addTask {
                    do {
                        let rowId = try await writer.write { db in
                            try db.execute(sql: "INSERT INTO item (id, payload) VALUES (?, NULL)", arguments: [index])
                            // Every seventh write fails after it has written.
                            if index % 7 == 0 { throw Failure(index: index) }
                            return db.lastInsertedRowID
                        }
                        return (index, .success(rowId))
                    } catch let failure as Failure {
                        return (index, .failure(failure))
                    } catch {
                        Issue.record("unexpected error \(error)")
                        return (index, .failure(Failure(index: -1)))
                    }
                }
            }
            var all: [Int: Result<Int64, Failure>] = [:]
            for await (index, outcome) in group { all[index] = outcome }
            return all
        }
        #expect(outcomes.count == 200)
        for (index, outcome) in outcomes {
            if index % 7 == 0 {
                #expect(outcome == .failure(Failure(index: index)))
            } else {
                #expect(outcome == .success(Int64(index)))
            }
        }
        let stored = try await pool.read { db in try Int.fetchAll(db, sql: "SELECT id FROM item ORDER BY id") }
        #expect(stored == (0..<200).filter { $0 % 7 != 0 })
    }

    @Test("with automatic checkpoints off, the checkpointer keeps the log from growing without bound")
    func checkpointsKeepTheLogBounded() async throws {
        let (pool, path) = try Self.temporaryPool(autocheckpoint: false)
        // The timer is out of the way; the test runs the rounds itself, so
        // the outcome does not hang on how busy the machine is.
        let checkpointer = try WALCheckpointer(path: path, pool: pool, interval: .seconds(3600), restartFrames: 64)
        let payload = Data(repeating: 7, count: 4000)
        let stop = Mutex(false)
        // Small transactions every 2 ms (up to 40 MB/s, twice the ingest
        // benchmark's rate), so that a checkpoint beside the writer rarely
        // finds the log fully copied on its own.
        let writer = Task {
            var rows = 0
            while !stop.withLock({ $0 }) {
                try await pool.write { [rows] db in
                    for row in 0..<20 {
                        try db.execute(sql: "INSERT INTO item (id, payload) VALUES (?, ?)", arguments: [rows + row, payload])
                    }
                }
                rows += 20
                try await Task.sleep(for: .milliseconds(2))
            }
            return rows * payload.count
        }
        for _ in 0..<6 {
            try await Task.sleep(for: .milliseconds(60))
            await Task.detached { checkpointer.checkpointOnce() }.value
        }
        // Let the writer finish the last round's copy and start the log afresh.
        try await Task.sleep(for: .milliseconds(30))
        stop.withLock { $0 = true }
        let written = try await writer.value
        let logBytes = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        // Without the restart the log holds every page written.
        #expect(logBytes < written / 2, "write-ahead log is \(logBytes) bytes after \(written) written")
    }
}
