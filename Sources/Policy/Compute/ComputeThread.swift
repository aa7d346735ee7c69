import Foundation
import Synchronization

/// A dedicated thread for the built-in model's blocking CPU work (sampling,
/// backward passes, training steps, hashing and decoding weights), so that
/// none of it runs on Swift's cooperative thread pool: on a 2-core machine
/// that pool has two threads, and one held for seconds stalls every HTTP
/// request meanwhile. The worker's backend and the coordinator's trainer
/// each own one. Jobs run one at a time in the order
/// they were queued, which also serialises every use of the models: they
/// are not thread-safe.
public final class ComputeThread: Sendable {
    private let mailbox = ComputeMailbox()

    /// - Parameter name: the thread's name, for debuggers and `top -H`; at
    ///   most 15 characters, or Linux keeps the creating thread's name.
    public init(name: String = "gvm-builtin") {
        // The thread holds the mailbox, not this object, so that dropping
        // the last reference here still stops it.
        let mailbox = self.mailbox
        let thread = Thread {
            // Named from inside: on Linux a name given before start() is
            // not applied, and the thread would show its creator's.
            Thread.current.name = name
            mailbox.serve()
        }
        thread.start()
    }

    deinit {
        mailbox.shutDown()
    }

    /// Runs `body` on the thread and returns its result.
    ///
    /// A task cancelled while its job waits gets `CancellationError` and the
    /// job never runs. One cancelled while its job runs gets
    /// `CancellationError` at once; the job cannot be interrupted, so it
    /// runs to its end and its result is dropped.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let slot = ContinuationSlot<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard slot.install(continuation) else { return }
                mailbox.enqueue(ComputeJob(
                    run: {
                        guard slot.isWaiting else { return }
                        slot.resume(with: Result { try body() })
                    },
                    fail: { slot.resume(with: .failure($0)) }))
            }
        } onCancel: {
            slot.resume(with: .failure(CancellationError()))
        }
    }

    /// Stops the thread after the job it is running; queued jobs and later
    /// calls fail with `ComputeThreadError.shutDown`. Safe to call twice.
    public func shutdown() {
        mailbox.shutDown()
    }
}

public enum ComputeThreadError: Error, Equatable, CustomStringConvertible {
    case shutDown

    public var description: String { "the built-in model's compute thread is shut down" }
}

/// A queued job: `run` on the thread, or `fail` when the thread stops first.
struct ComputeJob: Sendable {
    let run: @Sendable () -> Void
    let fail: @Sendable (any Error) -> Void
}
