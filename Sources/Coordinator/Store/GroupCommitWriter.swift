import GRDB
import Synchronization

/// Runs the writes that arrive while SQLite's single writer is busy together,
/// in one transaction, each inside a savepoint of its own.
///
/// The ingest benchmark showed the writer as the bound, and a commit as a
/// large share of each write. Sixty-four workers leasing and submitting at
/// once leave a queue behind every commit; taking that queue as one
/// transaction pays one commit for all of it. Each write still sees the ones
/// before it, exactly as if they had run one by one; a write that throws
/// rolls back its savepoint only. No caller hears back before the commit
/// that holds its write, so a reply never reports something a crash could
/// still undo.
final class GroupCommitWriter: Sendable {
    /// One queued write, its result type erased.
    private final class Operation: @unchecked Sendable {
        // Unchecked: `run` is called on the writer queue (again, when a batch
        // it ran in was rolled back by SQLite), then `finish` once after the
        // commit, never concurrently.
        let run: (Database) -> Void
        let finish: ((any Error)?) -> Void

        init(run: @escaping (Database) -> Void, finish: @escaping ((any Error)?) -> Void) {
            self.run = run
            self.finish = finish
        }
    }

    private struct Queue {
        var operations: [Operation] = []
        var draining = false
    }

    private let pool: DatabasePool
    private let maximumBatch: Int
    private let queue = Mutex(Queue())

    /// A cap on one transaction keeps any one batch short (16 writes are
    /// 5 to 10 ms at ingest load), so a write never queues behind a long one.
    init(pool: DatabasePool, maximumBatch: Int = 16) {
        self.pool = pool
        self.maximumBatch = maximumBatch
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            var outcome: Result<T, any Error>?
            let operation = Operation(
                run: { db in
                    outcome = nil
                    do {
                        try db.inSavepoint {
                            do {
                                outcome = .success(try body(db))
                                return .commit
                            } catch {
                                outcome = .failure(error)
                                return .rollback
                            }
                        }
                    } catch {
                        // Keep the body's own error (a full disk, say) over
                        // the failed rollback of a savepoint SQLite already
                        // undid with the whole transaction.
                        if case .failure = outcome {} else { outcome = .failure(error) }
                    }
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        continuation.resume(with: outcome ?? .failure(RequestRefusal.conflict("write was not run")))
                    }
                })
            let startDrain = queue.withLock { queue in
                queue.operations.append(operation)
                defer { queue.draining = true }
                return !queue.draining
            }
            if startDrain { drainNextBatch() }
        }
    }

    /// Runs the next batch on GRDB's writer queue, then schedules the one
    /// after it, until nothing is waiting.
    private func drainNextBatch() {
        let batch: [Operation] = queue.withLock { queue in
            let batch = Array(queue.operations.prefix(maximumBatch))
            queue.operations.removeFirst(batch.count)
            if batch.isEmpty { queue.draining = false }
            return batch
        }
        guard !batch.isEmpty else { return }
        pool.asyncWriteWithoutTransaction { db in
            var commitError: (any Error)?
            // Some errors (SQLITE_FULL, I/O errors) make SQLite roll back the
            // whole transaction, not just the savepoint: then the write that
            // hit it gets its own error, and the others of the batch, whose
            // work was undone or never ran, go first into the next batch.
            var aborted: (operation: Operation, others: [Operation])?
            do {
                try db.inTransaction(.immediate) {
                    for (index, operation) in batch.enumerated() {
                        operation.run(db)
                        if !db.isInsideTransaction {
                            aborted = (operation, Array(batch[..<index]) + Array(batch[(index + 1)...]))
                            return .rollback
                        }
                    }
                    return .commit
                }
            } catch {
                commitError = error
            }
            if let aborted {
                self.queue.withLock { $0.operations.insert(contentsOf: aborted.others, at: 0) }
                aborted.operation.finish(nil)
            } else {
                for operation in batch { operation.finish(commitError) }
            }
            self.drainNextBatch()
        }
    }
}
