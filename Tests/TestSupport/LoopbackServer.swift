import Hummingbird
import Logging

/// Starts a Hummingbird router on 127.0.0.1 and a free port, for the test
/// doubles, and returns once it listens. Cancel the task to stop it.
public enum LoopbackServer {
    public static func start(
        router: Router<BasicRequestContext>, label: String
    ) async throws -> (port: Int, server: Task<Void, Never>) {
        let (listening, listener) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in listener.yield(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        let server = Task {
            do {
                try await app.run()
                listener.yield(.failure(CancellationError()))
            } catch {
                listener.yield(.failure(error))
            }
            listener.finish()
        }
        var first: Result<Int, any Error>?
        for await event in listening {
            first = event
            break
        }
        guard case .success(let port) = first else {
            server.cancel()
            if case .failure(let error) = first { throw error }
            throw CancellationError()
        }
        return (port, server)
    }
}
