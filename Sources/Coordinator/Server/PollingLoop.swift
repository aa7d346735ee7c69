import Logging

/// The loop of a background service beside the server (`BuiltinTrainer`,
/// `WorkQueuer`): do what is pending, then look again after `pollInterval`,
/// or after `retryInterval` when the work failed, until asked to stop.
struct PollingLoop: Sendable {
    var pollInterval: Duration
    var retryInterval: Duration
    /// Logged, with the error, when the work fails.
    var failureMessage: Logger.Message

    func run(logger: Logger, isStopping: () -> Bool, work: () async throws -> Void) async {
        while !isStopping() {
            var wait = pollInterval
            do {
                try await work()
            } catch {
                if isStopping() { break }
                logger.error(failureMessage, metadata: ["error": "\(error)"])
                wait = retryInterval
            }
            do { try await Task.sleep(for: wait) } catch { break }
        }
    }
}
