import Synchronization

/// The in-process side of a `StoreChangeFeed`: a change count per run, and
/// the waiters to wake when it moves. An engine signals it once a change has
/// committed; any engine can, whether the news comes from its own writer or
/// from the database (LISTEN/NOTIFY).
final class RunChangeBroadcaster: Sendable {
    private struct State {
        var counts: [Int: UInt64] = [:]
        var waiters: [Int: [UInt64: CheckedContinuation<Void, Never>]] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    func mark(runId: Int) -> RunChangeMark {
        RunChangeMark(sequence: state.withLock { $0.counts[runId, default: 0] })
    }

    /// Moves the runs' counts on and wakes everyone waiting on them.
    func signal(_ runIds: some Sequence<Int>) {
        let woken = state.withLock { state in
            var woken: [CheckedContinuation<Void, Never>] = []
            for runId in Set(runIds) {
                state.counts[runId, default: 0] &+= 1
                if let waiting = state.waiters.removeValue(forKey: runId) { woken += waiting.values }
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns once the run's count has moved past `mark`, at `deadline`, or
    /// when the task is cancelled; with the count then.
    func wait(runId: Int, after mark: RunChangeMark, until deadline: ContinuousClock.Instant) async -> RunChangeMark {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.nextChange(runId: runId, after: mark) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            // Whichever ends first; cancelling ends the other at once.
            await group.next()
            group.cancelAll()
        }
        return self.mark(runId: runId)
    }

    /// Suspends until the run's count passes `mark`, or the task is cancelled.
    private func nextChange(runId: Int, after mark: RunChangeMark) async {
        let id = state.withLock { state in
            defer { state.nextWaiter &+= 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Registered under the lock that `signal` takes, so a change
                // either shows in the count here or finds this waiter.
                let resumeNow = state.withLock { state in
                    if state.counts[runId, default: 0] != mark.sequence || Task.isCancelled { return true }
                    state.waiters[runId, default: [:]][id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
                let continuation = state.waiters[runId]?.removeValue(forKey: id)
                if state.waiters[runId]?.isEmpty == true { state.waiters[runId] = nil }
                return continuation
            }
            continuation?.resume()
        }
    }
}
