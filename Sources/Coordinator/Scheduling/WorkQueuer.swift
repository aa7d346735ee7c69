import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Writes the work units that a stage's own transaction left to queue
/// (`WorkQueueing`), one bounded batch per write, beside the server.
///
/// Each batch is a write of its own on SQLite's single writer, so lease
/// grants and results that arrive meanwhile go between two batches instead
/// of waiting for the whole stage. The plan's cursor is stored with every
/// batch, so after a crash or a shutdown the next start goes on from the
/// last batch written. After each batch it rests as long as the batch took
/// (at most `maximumRest`), so that queueing takes at most about half the
/// writer's time and the workers' grants and results keep the rest. When
/// nothing is left it looks again every `pollInterval`: a new stage has its
/// first batch queued already, so that delay only postpones the rest.
final class WorkQueuer: Service, Sendable {
    private let store: any WorkQueueingStore
    private let logger: Logger
    private let unitsPerBatch: Int
    private let pollInterval: Duration
    private let retryInterval: Duration
    private let maximumRest: Duration
    private let stopRequested = Atomic<Bool>(false)

    init(
        store: any WorkQueueingStore, logger: Logger, unitsPerBatch: Int = WorkQueueing.unitsPerBatch,
        pollInterval: Duration = .milliseconds(100), retryInterval: Duration = .seconds(1),
        maximumRest: Duration = .milliseconds(50)
    ) {
        self.store = store
        self.logger = logger
        self.unitsPerBatch = unitsPerBatch
        self.pollInterval = pollInterval
        self.retryInterval = retryInterval
        self.maximumRest = maximumRest
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { await self.serve() }
        } onGracefulShutdown: {
            self.stopRequested.store(true, ordering: .relaxed)
        }
    }

    private var isStopping: Bool { stopRequested.load(ordering: .relaxed) || Task.isCancelled }

    private func serve() async {
        let loop = PollingLoop(
            pollInterval: pollInterval, retryInterval: retryInterval, failureMessage: "queueing work units failed; trying again")
        await loop.run(logger: logger, isStopping: { isStopping }) { try await processPending() }
    }

    /// Writes batches until no stage has units left to queue; returns how
    /// many batches it wrote.
    @discardableResult
    func processPending() async throws -> Int {
        var batches = 0
        let clock = ContinuousClock()
        while !isStopping {
            let started = clock.now
            guard let written = try await store.queueNextWorkBatch(limit: unitsPerBatch, now: Date()) else { break }
            let took = clock.now - started
            batches += 1
            logger.trace("queued work units", metadata: ["units": "\(written)", "took": "\(took)"])
            try await Task.sleep(for: min(took, maximumRest))
        }
        return batches
    }
}
