import Synchronization

/// How many more leases the worker may start. Every granted lease takes a
/// slot, even when the coordinator grants more than were free, so the count
/// can go below zero; the loop asks for work again only once it is positive.
final class LeaseSlots: Sendable {
    private struct State {
        var free: Int
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(free: count))
    }

    var free: Int { state.withLock { $0.free } }

    func take(_ count: Int) {
        state.withLock { $0.free -= count }
    }

    func giveBack() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.free += 1
            guard state.free > 0 else { return [] }
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once a slot is free, or as soon as the calling task is cancelled.
    func waitForFree() async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.free > 0 || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
