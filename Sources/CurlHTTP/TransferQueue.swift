internal import CCurl
import Synchronization

/// A request handed to the loop thread, with the continuation its caller awaits.
struct PendingTransfer: Sendable {
    let id: UInt64
    let request: HTTPRequest
    /// When the request's `timeout` runs out, counted from `send`.
    let deadline: ContinuousClock.Instant
    let continuation: CheckedContinuation<HTTPResponse, any Error>
}

/// What the loop thread picks up on each turn.
struct LoopWork: Sendable {
    var newTransfers: [PendingTransfer] = []
    var cancelledIDs: [UInt64] = []
    var isShutDown = false
}

/// The lock-protected mailbox between async callers and the loop thread.
///
/// Every continuation is resumed exactly once: a transfer is either still in
/// `pending` (then whoever removes it under the lock resumes it) or it belongs
/// to the loop thread (then only that thread resumes it).
final class TransferQueue: Sendable {
    private struct State {
        var nextID: UInt64 = 0
        var pending: [PendingTransfer] = []
        var cancelledIDs: [UInt64] = []
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let multi: CurlMultiHandle

    init(multi: CurlMultiHandle) {
        self.multi = multi
    }

    func makeID() -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Queues a transfer for the loop thread, or fails it at once when the
    /// client is shut down or the calling task is already cancelled.
    func enqueue(_ transfer: PendingTransfer) {
        let failure: (any Error)? = state.withLock { state in
            if state.isShutDown { return HTTPClientError.shutDown(url: transfer.request.url) }
            // Checked under the lock: a cancellation handler that ran before this
            // point has already set the flag, one that runs after finds the
            // transfer in `pending` or on the loop thread.
            if Task.isCancelled { return CancellationError() }
            state.pending.append(transfer)
            wake()
            return nil
        }
        if let failure { transfer.continuation.resume(throwing: failure) }
    }

    /// Cancels a transfer: fails it here if the loop thread has not taken it
    /// yet, otherwise asks the loop thread to abort it.
    func cancel(id: UInt64) {
        let removed: PendingTransfer? = state.withLock { state in
            if let index = state.pending.firstIndex(where: { $0.id == id }) {
                return state.pending.remove(at: index)
            }
            if !state.isShutDown {
                state.cancelledIDs.append(id)
                wake()
            }
            return nil
        }
        removed?.continuation.resume(throwing: CancellationError())
    }

    /// Refuses new transfers, fails the queued ones and tells the loop thread
    /// to fail its own and stop. Safe to call more than once.
    func shutDown() {
        let abandoned: [PendingTransfer] = state.withLock { state in
            guard !state.isShutDown else { return [] }
            state.isShutDown = true
            wake()
            defer { state.pending.removeAll() }
            return state.pending
        }
        for transfer in abandoned {
            transfer.continuation.resume(throwing: HTTPClientError.shutDown(url: transfer.request.url))
        }
    }

    /// Called by the loop thread on every turn. Once this reports
    /// `isShutDown`, no other thread touches the multi handle again, so the
    /// loop thread may clean it up.
    func takeWork() -> LoopWork {
        state.withLock { state in
            defer {
                state.pending.removeAll()
                state.cancelledIDs.removeAll()
            }
            return LoopWork(
                newTransfers: state.pending,
                cancelledIDs: state.cancelledIDs,
                isShutDown: state.isShutDown
            )
        }
    }

    /// Interrupts `curl_multi_poll`, or makes its next call return at once.
    /// Only called under the lock while not shut down, which is what keeps it
    /// from racing the loop thread's `curl_multi_cleanup`.
    private func wake() {
        _ = curl_multi_wakeup(multi.raw)
    }
}
