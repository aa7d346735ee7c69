import CurlHTTP
import Foundation

/// Where a worker downloads the built-in model's weights: the coordinator,
/// at the path a lease names (`GET /v1/runs/{id}/weights/{version}`).
struct BuiltinWeightsSource: Sendable {
    /// The coordinator's base URL, without a trailing slash.
    let baseURL: String
    let client: CurlHTTPClient
    /// The coordinator's credential (`Authorization`), if any.
    let headers: [String: String]
    /// Limit on one download.
    let timeout: Duration

    init(baseURL: String, client: CurlHTTPClient, headers: [String: String] = [:], timeout: Duration) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.client = client
        self.headers = headers
        self.timeout = timeout
    }

    func url(for path: String) -> String {
        baseURL + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// The 2xx body at `path`; any other outcome throws
    /// `BuiltinBackendError.weightsUnavailable` (cancellation excepted).
    func download(_ path: String) async throws -> Data {
        let url = url(for: path)
        let response: HTTPResponse
        do {
            response = try await client.send(HTTPRequest(
                method: "GET", url: url, headers: headers.merging(["Accept": "application/octet-stream"]) { _, new in new },
                timeout: timeout))
        } catch let error as HTTPClientError {
            throw BuiltinBackendError.weightsUnavailable(url: url, reason: error.description)
        }
        guard (200..<300).contains(response.status) else {
            throw BuiltinBackendError.weightsUnavailable(
                url: url, reason: "HTTP \(response.status): \(ServerErrorText.message(from: response.body))")
        }
        return response.body
    }
}
