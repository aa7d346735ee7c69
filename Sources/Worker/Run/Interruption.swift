/// Thrown by `withInterruption` when the event fired before the work ended.
struct Interrupted: Error, Equatable {}

/// Runs `work`; if `event` fires first, cancels it and throws `Interrupted`.
/// An event that has already fired interrupts before the work starts.
func withInterruption<T: Sendable>(
    by event: OneShotEvent, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard !event.hasFired else { throw Interrupted() }
    return try await race(work, watcher: { await event.wait() })
}

/// Runs `work` beside `watcher`, which ends only when the work should stop:
/// whichever finishes first decides, and the other is cancelled. When the
/// watcher wins, its error is thrown, or `Interrupted` if it just returned.
func race<T: Sendable>(
    _ work: @escaping @Sendable () async throws -> T,
    watcher: @escaping @Sendable () async throws -> Void
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await watcher()
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw Interrupted() }
        return value
    }
}
