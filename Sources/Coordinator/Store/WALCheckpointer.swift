import Dispatch
import GRDB

/// Copies the write-ahead log back into the database file from a connection
/// of its own, so that the writer does not pay for it.
///
/// SQLite's default is for the writer whose commit takes the log past 1,000
/// pages to run the checkpoint inside that commit. Under ingest load that is
/// one lease grant or result in a few hundred taking tens of milliseconds
/// longer, which is the tail of the lease latency. The store turns automatic
/// checkpoints off, and every `interval` this runs a PASSIVE checkpoint on a
/// dispatch queue (never on Swift's cooperative pool); PASSIVE never waits
/// for readers or writers.
///
/// Under a steady stream of writes that copy never quite catches up, and the
/// log can only start again from its beginning once every frame is copied.
/// So when the log is past `restartFrames` (32 MiB of 4 KiB pages), this
/// copies again until little is left, then runs a last PASSIVE checkpoint on
/// the writer's queue: with no writer running meanwhile it completes, and the
/// next write starts the log afresh. The writer pays only for that remainder
/// and its sync, measured at 7 to 14 ms against 17 to 38 ms without the
/// extra copies (docs/ingest.md).
// Unchecked: the timer is only touched in init and deinit; `pool` is set once.
final class WALCheckpointer: @unchecked Sendable {
    private let connection: DatabaseQueue
    private weak var pool: DatabasePool?
    private let restartFrames: Int
    private let timer: DispatchSourceTimer

    init(
        path: String, pool: DatabasePool, interval: DispatchTimeInterval = .milliseconds(200),
        restartFrames: Int = 8192
    ) throws {
        var configuration = Configuration()
        configuration.label = "gvm.wal-checkpoint"
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.pool = pool
        self.restartFrames = restartFrames
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gvm.wal-checkpoint.timer"))
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.checkpointOnce() }
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// One round: what the timer runs. Blocks its caller, so call it from a
    /// dispatch queue or a test, never from Swift's cooperative pool.
    func checkpointOnce() {
        // A failure here (a busy lock, say) only defers the copy.
        guard var copied = try? connection.inDatabase({ db in try db.checkpoint(.passive) }),
            copied.walFrameCount > restartFrames, let pool
        else { return }
        // Copy again while the writer keeps adding, so that what is left
        // for the writer itself to copy (and sync) is small.
        for _ in 0..<4 {
            guard let again = try? connection.inDatabase({ db in try db.checkpoint(.passive) }) else { return }
            defer { copied = again }
            if again.walFrameCount - copied.walFrameCount < 256 { break }
        }
        pool.asyncWriteWithoutTransaction { db in _ = try? db.checkpoint(.passive) }
    }
}
