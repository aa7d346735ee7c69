import Synchronization

/// A continuation resumed exactly once, by whichever comes first: the job's
/// result, its failure, or the caller's cancellation (which may come before
/// the continuation exists).
public final class ContinuationSlot<T: Sendable>: Sendable {
    private enum State {
        case empty
        case cancelledEarly
        case waiting(CheckedContinuation<T, any Error>)
        case resumed
    }

    private let state = Mutex(State.empty)

    public init() {}

    /// Stores the continuation; false (after resuming it with
    /// `CancellationError`) when the caller was cancelled before.
    public func install(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        let cancelled = state.withLock { state in
            if case .cancelledEarly = state {
                state = .resumed
                return true
            }
            state = .waiting(continuation)
            return false
        }
        if cancelled { continuation.resume(throwing: CancellationError()) }
        return !cancelled
    }

    /// Whether the caller still waits for a result.
    public var isWaiting: Bool {
        state.withLock { if case .waiting = $0 { true } else { false } }
    }

    public func resume(with result: Result<T, any Error>) {
        let continuation: CheckedContinuation<T, any Error>? = state.withLock { state in
            switch state {
            case .empty:
                // Only a cancellation comes before `install`: jobs are
                // queued after it.
                state = .cancelledEarly
                return nil
            case .waiting(let continuation):
                state = .resumed
                return continuation
            case .cancelledEarly, .resumed:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
