import Dispatch
import Foundation
import Logging

/// Turns SIGTERM and SIGINT into the loop's shutdown events: the first one
/// stops taking leases (`stopping`), a second one ends the grace period at
/// once (`graceOver`), releasing whatever is still generating.
final class ShutdownSignals {
    private var sources: [any DispatchSourceSignal] = []

    init(stopping: OneShotEvent, graceOver: OneShotEvent, logger: Logger) {
        // One serial queue, so two signals arriving together are seen in order.
        let queue = DispatchQueue(label: "gvm.worker.signals")
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            // The default action would kill the process before the leases in
            // flight are submitted or released.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if stopping.hasFired {
                    logger.warning("second shutdown signal; releasing unfinished leases now", metadata: ["signal": "\(name)"])
                    graceOver.fire()
                } else {
                    logger.notice("shutdown signal received", metadata: ["signal": "\(name)"])
                    stopping.fire()
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops watching; the signals stay ignored until the process exits.
    func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
    }
}
