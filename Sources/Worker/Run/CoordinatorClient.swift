import ClientAccess
import CurlHTTP
import Foundation
import Shared

/// The coordinator's HTTP lease endpoints, with every failure sorted into a
/// `CoordinatorCallError`.
struct CoordinatorClient: LeaseCoordinator {
    /// The coordinator's base URL, without a trailing slash.
    let baseURL: String
    let client: CurlHTTPClient
    let credential: CoordinatorCredential
    let timeout: Duration

    init(baseURL: String, client: CurlHTTPClient, credential: CoordinatorCredential = .none, timeout: Duration = .seconds(30)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.credential = credential
        self.timeout = timeout
    }

    func requestLeases(_ request: LeaseRequest) async throws -> LeaseGrant {
        try await post("/v1/leases", payload: Self.encode(request), as: LeaseGrant.self, about: .worker)
    }

    func heartbeat(leaseId: String) async throws -> HeartbeatReply {
        try await post("/v1/leases/\(Self.escaped(leaseId))/heartbeat", payload: nil, as: HeartbeatReply.self, about: .lease)
    }

    func submit(leaseId: String, result: LeaseResult) async throws -> SubmissionReceipt {
        try await post(
            "/v1/leases/\(Self.escaped(leaseId))/result", payload: Self.encode(result), as: SubmissionReceipt.self, about: .lease)
    }

    func release(leaseId: String, release: LeaseRelease) async throws {
        _ = try await send("/v1/leases/\(Self.escaped(leaseId))/release", payload: Self.encode(release), about: .lease)
    }

    /// What a call is about, which decides what a 403 means. About one
    /// lease, it means the lease is another identity's, e.g. one granted
    /// before the coordinator had tokens: the worker drops that lease, as on
    /// 404 or 409, and its next lease request says whether its token is any
    /// good. About the worker itself (a lease request), its role is wrong.
    private enum Subject { case worker, lease }

    private func post<Reply: Decodable>(_ path: String, payload: Data?, as reply: Reply.Type, about subject: Subject) async throws -> Reply {
        let data = try await send(path, payload: payload, about: subject)
        do {
            return try WireJSON.decoder().decode(Reply.self, from: data)
        } catch {
            throw CoordinatorCallError.unavailable("unreadable answer to POST \(path): \(FieldError(error))")
        }
    }

    /// The 2xx body of a POST, or the classified failure.
    private func send(_ path: String, payload: Data?, about subject: Subject) async throws -> Data {
        var headers = credential.headers.merging(["Accept": "application/json"]) { _, new in new }
        if payload != nil { headers["Content-Type"] = "application/json" }
        let request = HTTPRequest(method: "POST", url: baseURL + path, headers: headers, body: payload, timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch let error as HTTPClientError {
            throw CoordinatorCallError.unavailable(error.description)
        }
        switch response.status {
        case 200..<300:
            return response.body
        case 401:
            throw CoordinatorCallError.notAllowed(status: response.status, message: Self.message(response))
        case 403 where subject == .worker:
            throw CoordinatorCallError.notAllowed(status: response.status, message: Self.message(response))
        case 403, 404, 409:
            throw CoordinatorCallError.leaseGone(status: response.status, message: Self.message(response))
        case 429, 500...:
            throw CoordinatorCallError.unavailable("HTTP \(response.status) from POST \(path): \(Self.message(response))")
        default:
            throw CoordinatorCallError.refused(status: response.status, message: Self.message(response))
        }
    }

    private static func encode(_ value: some Encodable) throws -> Data {
        try WireJSON.encoder().encode(value)
    }

    private static func message(_ response: HTTPResponse) -> String {
        if let body = try? WireJSON.decoder().decode(ErrorBody.self, from: response.body) {
            return body.error.field.map { "\($0): \(body.error.message)" } ?? body.error.message
        }
        return ServerErrorText.message(from: response.body)
    }

    /// Lease ids are opaque; keep each one a single path segment.
    private static func escaped(_ leaseId: String) -> String {
        leaseId.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? leaseId
    }
}
