import Logging

extension Backoff {
    /// Runs `operation` until it succeeds, waiting a backoff delay after each
    /// failure that `shouldRetry` accepts; other errors, and cancellation
    /// while waiting, end it. Every failure is logged once with its delay.
    /// When `stopping` fires, no new attempt starts and a wait in progress
    /// ends with `Interrupted`; an attempt in progress is left to finish.
    func retrying<T: Sendable>(
        _ what: String,
        logger: Logger,
        stopping: OneShotEvent? = nil,
        shouldRetry: @Sendable (any Error) -> Bool,
        _ operation: @Sendable () async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            if stopping?.hasFired == true { throw Interrupted() }
            do {
                let value = try await operation()
                if attempt > 0 {
                    logger.info("\(what) succeeded after retrying", metadata: ["failures": "\(attempt)"])
                }
                return value
            } catch where !(error is CancellationError) && shouldRetry(error) {
                let delay = delay(attempt: attempt)
                attempt += 1
                logger.warning("\(what) failed; retrying", metadata: [
                    "error": "\(error)", "attempt": "\(attempt)", "retryIn": "\(delay.roundedSeconds)s",
                ])
                if let stopping {
                    try await withInterruption(by: stopping) { try await Task.sleep(for: delay) }
                } else {
                    try await Task.sleep(for: delay)
                }
            }
        }
    }
}
