import Crypto
import CurlHTTP
import Foundation
import Shared
import TestSupport

/// A real coordinator process with a tokens file: two worker identities, an
/// operator and a reader, each with a token file of its own, as a worker
/// node or an operator's machine would hold it.
final class AccessCluster: @unchecked Sendable {
    enum Identity: String, CaseIterable {
        case workerA = "worker-a", workerB = "worker-b", alice, grafana

        var role: String {
            switch self {
            case .workerA, .workerB: "worker"
            case .alice: "operator"
            case .grafana: "reader"
            }
        }
    }

    let directory: URL
    let coordinator: RunningProcess
    let port: Int
    let scheme: String
    /// Token per identity, as presented.
    let tokens: [Identity: String]
    let http: CurlHTTPClient
    var url: String { "\(scheme)://\(host):\(port)" }
    let host: String

    /// - Parameters:
    ///   - serveArguments: added to `serve` (e.g. TLS files).
    ///   - config: the `--config` JSON, if any (openMetrics, allowedHosts).
    static func start(
        serveArguments: [String] = [], config: [String: Any]? = nil, scheme: String = "http", host: String = "127.0.0.1",
        caFile: String? = nil, directory: URL? = nil
    ) async throws -> AccessCluster {
        let directory = directory ?? Self.temporaryDirectory()
        var tokens: [Identity: String] = [:]
        var entries: [[String: String]] = []
        for identity in Identity.allCases {
            let token = UUID().uuidString + UUID().uuidString
            tokens[identity] = token
            entries.append(["name": identity.rawValue, "role": identity.role, "sha256": Self.sha256(token)])
            try Data((token + "\n").utf8).write(to: directory.appendingPathComponent("\(identity.rawValue).token"))
        }
        let tokensFile = directory.appendingPathComponent("tokens.json")
        try JSONSerialization.data(withJSONObject: ["tokens": entries]).write(to: tokensFile)
        var arguments = ["serve", "--db", directory.appendingPathComponent("gvm.sqlite").path, "--port", "0",
                         "--tokens", tokensFile.path] + serveArguments
        if let config {
            let configFile = directory.appendingPathComponent("coordinator.json")
            try JSONSerialization.data(withJSONObject: config).write(to: configFile)
            arguments += ["--config", configFile.path]
        }
        let coordinator = try RunningProcess(.coordinator, arguments)
        let port = try await coordinator.listeningPort()
        return try AccessCluster(
            directory: directory, coordinator: coordinator, port: port, scheme: scheme, host: host, tokens: tokens,
            http: CurlHTTPClient(caFile: caFile))
    }

    private init(
        directory: URL, coordinator: RunningProcess, port: Int, scheme: String, host: String, tokens: [Identity: String],
        http: CurlHTTPClient
    ) {
        self.directory = directory
        self.coordinator = coordinator
        self.port = port
        self.scheme = scheme
        self.host = host
        self.tokens = tokens
        self.http = http
    }

    static func temporaryDirectory() -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-access-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static func sha256(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).lowercaseHex
    }

    func tokenFile(_ identity: Identity) -> String {
        directory.appendingPathComponent("\(identity.rawValue).token").path
    }

    /// One request as `identity` (nil: no credential).
    func send(
        _ method: String, _ path: String, as identity: Identity?, body: Data? = nil,
        contentType: String? = "application/json", headers: [String: String] = [:]
    ) async throws -> HTTPResponse {
        var all = headers
        if let identity { all["Authorization"] = "Bearer \(tokens[identity]!)" }
        if body != nil, let contentType { all["Content-Type"] = contentType }
        return try await http.send(HTTPRequest(method: method, url: url + path, headers: all, body: body, timeout: .seconds(30)))
    }

    func json<T: Decodable>(_ method: String, _ path: String, as identity: Identity, body: Data? = nil,
                            contentType: String = "application/json", decode type: T.Type) async throws -> T {
        let response = try await send(method, path, as: identity, body: body, contentType: contentType)
        guard (200..<300).contains(response.status) else {
            throw ProcessFailure("\(method) \(path): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try WireJSON.decoder().decode(type, from: response.body)
    }

    /// The MATH-500 fixture as `math500`, and a small uniform run on it.
    func importAndCreateRun(model: String = "double", extra: String = "") async throws -> Int {
        let datasets = try await send("GET", "/v1/datasets", as: .alice)
        if !String(decoding: datasets.body, as: UTF8.self).contains("\"math500\"") {
            let fixture = try Data(contentsOf: Fixtures.directory.appendingPathComponent("math500-20.jsonl"))
            let imported = try await send("POST", "/v1/datasets?name=math500", as: .alice, body: fixture, contentType: "application/x-ndjson")
            guard imported.status == 201 else { throw ProcessFailure("import: \(imported.status)") }
        }
        let configuration = #"{"dataset":"math500","model":"\#(model)","strategy":"uniform","presamples":0,"#
            + #""samplesPerPrompt":2,"maxSamplesPerLease":2,"promptsPerIteration":2,"iterations":2\#(extra)}"#
        struct Created: Decodable { var runId: Int }
        return try await json("POST", "/v1/runs", as: .alice, body: Data(configuration.utf8), decode: Created.self).runId
    }

    func lease(as identity: Identity, model: String = "double", capacity: Int = 1) async throws -> [Lease] {
        let body = try WireJSON.encoder().encode(LeaseRequest(workerName: "\(identity.rawValue)@0", model: model, capacity: capacity))
        return try await json("POST", "/v1/leases", as: identity, body: body, decode: LeaseGrant.self).leases
    }

    func stop() async {
        coordinator.signal(SIGTERM)
        await coordinator.waitForExit(timeout: .seconds(20))
        http.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}
