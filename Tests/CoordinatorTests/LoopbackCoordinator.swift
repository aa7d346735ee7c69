import Logging
@testable import Coordinator

/// The coordinator's real application over a store, serving HTTP on a free
/// loopback port, for tests that need real requests without a process.
enum LoopbackCoordinator {
    /// Starts it; cancel `server` to stop it. A logger that prints nothing
    /// unless the test passes one that captures.
    static func start(
        store: any CoordinatorStore, logger: Logger = quietLogger()
    ) async throws -> (port: Int, server: Task<Void, Never>) {
        let (listening, listener) = AsyncStream.makeStream(of: Int.self)
        let application = try CoordinatorServer.makeApplication(store: store, host: "127.0.0.1", port: 0, logger: logger) { _, port in
            listener.yield(port)
        }
        let server = Task {
            try? await application.run()
            listener.finish()
        }
        for await port in listening { return (port, server) }
        server.cancel()
        throw CancellationError()
    }

    static func quietLogger() -> Logger {
        var logger = Logger(label: "loopback-coordinator")
        logger.logLevel = .critical
        return logger
    }
}
