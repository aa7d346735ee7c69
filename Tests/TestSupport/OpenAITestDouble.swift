import Foundation
import Hummingbird
import Logging
import Synchronization

/// An in-process OpenAI-compatible inference server for tests, on
/// 127.0.0.1 and a port of its own. `POST /v1/completions` and
/// `POST /v1/chat/completions` answer with synthetic chain-of-thought
/// responses to the problems it knows (see `SyntheticReasoner`), with
/// `usage`, `finish_reason` and, when asked, logprobs in each route's layout.
/// It records every request, and `options` make it ignore or refuse `n`
/// (as llama.cpp builds do), fail, or answer slowly.
public final class OpenAITestDouble: Sendable {
    public struct Options: Sendable {
        /// Answer with one choice whatever `n` asks.
        public var ignoresN = false
        /// Refuse `n > 1` with a 500, like llama.cpp's OpenAI routes.
        public var rejectsN = false
        /// Answer every request with this status and an OpenAI error body.
        public var failure: Failure?
        /// Wait this long before answering.
        public var delay: Duration = .zero

        public init(ignoresN: Bool = false, rejectsN: Bool = false, failure: Failure? = nil, delay: Duration = .zero) {
            self.ignoresN = ignoresN
            self.rejectsN = rejectsN
            self.failure = failure
            self.delay = delay
        }
    }

    public struct Failure: Sendable {
        public var status: Int
        public var message: String

        public init(status: Int, message: String) {
            self.status = status
            self.message = message
        }
    }

    public struct RecordedRequest: Sendable {
        /// `/v1/completions` or `/v1/chat/completions`.
        public var path: String
        public var body: Data
    }

    /// What the request handlers share with the test: the options and the
    /// requests so far.
    final class State: Sendable {
        private struct Contents {
            var options: Options
            var requests: [RecordedRequest] = []
        }

        private let contents: Mutex<Contents>

        init(options: Options) {
            contents = Mutex(Contents(options: options))
        }

        var options: Options {
            get { contents.withLock { $0.options } }
            set { contents.withLock { $0.options = newValue } }
        }

        var requests: [RecordedRequest] { contents.withLock { $0.requests } }

        /// Records a request and returns the options to answer it with.
        func record(_ request: RecordedRequest) -> Options {
            contents.withLock { contents in
                contents.requests.append(request)
                return contents.options
            }
        }
    }

    public let port: Int
    private let state: State
    private let reasoner: SyntheticReasoner
    private let server: Task<Void, Never>

    /// The OpenAI base URL, including `/v1`.
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Starts a server that knows `problems` (by default the MATH-500
    /// fixture) and returns once it is listening.
    public static func start(problems: [Problem]? = nil, options: Options = Options()) async throws -> OpenAITestDouble {
        let reasoner = SyntheticReasoner(problems: try problems ?? Problem.math500())
        let state = State(options: options)
        let router = Router()
        for path in ["/v1/completions", "/v1/chat/completions"] {
            router.post(RouterPath(path)) { request, _ in
                let body = try await request.body.collect(upTo: 16 << 20)
                return await Self.respond(path: path, body: Data(body.readableBytesView), state: state, reasoner: reasoner)
            }
        }
        let (port, server) = try await LoopbackServer.start(router: router, label: "OpenAITestDouble")
        return OpenAITestDouble(port: port, state: state, reasoner: reasoner, server: server)
    }

    private init(port: Int, state: State, reasoner: SyntheticReasoner, server: Task<Void, Never>) {
        self.port = port
        self.state = state
        self.reasoner = reasoner
        self.server = server
    }

    /// Stops the server and waits until it has.
    public func stop() async {
        server.cancel()
        await server.value
    }

    public var options: Options {
        get { state.options }
        set { state.options = newValue }
    }

    public var requests: [RecordedRequest] { state.requests }
    public var requestCount: Int { state.requests.count }
    public var lastRequestBody: Data? { state.requests.last?.body }

    /// The chance that one response to `problem` is correct.
    public static func correctProbability(of problem: String) -> Double {
        SyntheticReasoner.correctProbability(of: problem)
    }

    /// The gold answer the double holds for the problem in `prompt`.
    public func gold(forPromptContaining prompt: String) -> String? {
        reasoner.problem(in: prompt)?.gold
    }
}
