import Foundation
import Hummingbird
import Logging
import Synchronization

/// The coordinator's weights route for tests of the worker's built-in
/// backend, on 127.0.0.1 and a port of its own: `GET` of each path in
/// `files` answers its bytes (after `delay`), any other path 404. It counts
/// the requests per path.
public final class WeightsServerDouble: Sendable {
    /// Requests per path, shared with the request handler.
    final class Counter: Sendable {
        private let counts = Mutex<[String: Int]>([:])

        func record(_ path: String) { counts.withLock { $0[path, default: 0] += 1 } }
        func count(_ path: String) -> Int { counts.withLock { $0[path, default: 0] } }
        var total: Int { counts.withLock { $0.values.reduce(0, +) } }
    }

    public let port: Int
    private let counter: Counter
    private let server: Task<Void, Never>

    /// The base URL a worker is given as `--coordinator`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// GET requests for `path` so far, answered or not.
    public func requests(for path: String) -> Int { counter.count(path) }

    /// GET requests for any path so far.
    public var totalRequests: Int { counter.total }

    /// Starts the server and returns once it is listening.
    public static func start(files: [String: [UInt8]], delay: Duration = .zero) async throws -> WeightsServerDouble {
        let counter = Counter()
        let router = Router()
        router.get("**") { request, _ -> Response in
            let path = request.uri.path
            counter.record(path)
            if delay > .zero { try await Task.sleep(for: delay) }
            guard let bytes = files[path] else {
                return Response(
                    status: .notFound, headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"status":404,"message":"no such weights"}}"#)))
            }
            return Response(
                status: .ok, headers: [.contentType: "application/octet-stream"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let (port, server) = try await LoopbackServer.start(router: router, label: "WeightsServerDouble")
        return WeightsServerDouble(port: port, counter: counter, server: server)
    }

    private init(port: Int, counter: Counter, server: Task<Void, Never>) {
        self.port = port
        self.counter = counter
        self.server = server
    }

    /// Stops the server and waits until it has.
    public func stop() async {
        server.cancel()
        await server.value
    }
}
