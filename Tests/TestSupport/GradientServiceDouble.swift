import Foundation
import Hummingbird
import Logging
import Synchronization

/// A user's gradient service for tests of the worker's `url` gradient-norm
/// mode, on 127.0.0.1 and a port of its own: `POST /gradnorm` answers as
/// `reply` says and records every request body.
public final class GradientServiceDouble: Sendable {
    public enum Reply: Sendable {
        /// `{"gradNorm": value}`.
        case gradNorm(Double)
        /// This status with an OpenAI-style error body.
        case failure(status: Int, message: String)
        /// 200 with this body as it is.
        case raw(String)
        /// `{"gradNorm": 1}`, but only after this long.
        case slow(Duration)
    }

    /// The request bodies, shared with the request handler.
    final class Recorder: Sendable {
        private let bodies = Mutex<[Data]>([])

        func record(_ body: Data) { bodies.withLock { $0.append(body) } }
        var all: [Data] { bodies.withLock { $0 } }
    }

    public let port: Int
    private let recorder: Recorder
    private let server: Task<Void, Never>

    /// The service's URL, as a run's `gradNormURL` names it.
    public var url: String { "http://127.0.0.1:\(port)/gradnorm" }

    /// The bodies received so far, in order.
    public var requests: [Data] { recorder.all }

    /// Starts the service and returns once it is listening.
    public static func start(reply: Reply) async throws -> GradientServiceDouble {
        let recorder = Recorder()
        let router = Router()
        router.post("/gradnorm") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            recorder.record(Data(body.readableBytesView))
            return try await answer(reply)
        }
        let (port, server) = try await LoopbackServer.start(router: router, label: "GradientServiceDouble")
        return GradientServiceDouble(port: port, recorder: recorder, server: server)
    }

    private init(port: Int, recorder: Recorder, server: Task<Void, Never>) {
        self.port = port
        self.recorder = recorder
        self.server = server
    }

    /// Stops the service and waits until it has.
    public func stop() async {
        server.cancel()
        await server.value
    }

    private static func answer(_ reply: Reply) async throws -> Response {
        switch reply {
        case .gradNorm(let value):
            return json(status: 200, #"{"gradNorm":\#(value)}"#)
        case .failure(let status, let message):
            let body = try JSONSerialization.data(withJSONObject: ["error": ["message": message]])
            return json(status: status, String(decoding: body, as: UTF8.self))
        case .raw(let text):
            return json(status: 200, text)
        case .slow(let delay):
            try await Task.sleep(for: delay)
            return json(status: 200, #"{"gradNorm":1}"#)
        }
    }

    private static func json(status: Int, _ text: String) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
