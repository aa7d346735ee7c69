import Foundation

/// Why `CurlHTTPClient.send(_:)` produced no response. A cancelled task gets
/// Swift's `CancellationError` instead.
public enum HTTPClientError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// libcurl could not start (`curl_global_init` or `curl_multi_init` failed).
    case initializationFailed(message: String)
    /// The request cannot be sent as given, e.g. a header containing a newline.
    case invalidRequest(url: String, reason: String)
    /// The exchange failed: `code` is libcurl's `CURLcode`, `message` its error text.
    case transport(url: String, code: Int, message: String)
    /// The request's `timeout` or `connectTimeout` ran out.
    case timedOut(url: String, message: String)
    /// The client was shut down before the request completed.
    case shutDown(url: String)

    public var description: String {
        switch self {
        case .initializationFailed(let message):
            return "HTTP client could not start: \(message)"
        case .invalidRequest(let url, let reason):
            return "invalid HTTP request to \(url): \(reason)"
        case .transport(let url, let code, let message):
            return "HTTP request to \(url) failed (curl error \(code)): \(message)"
        case .timedOut(let url, let message):
            return "HTTP request to \(url) timed out: \(message)"
        case .shutDown(let url):
            return "HTTP request to \(url) abandoned: the client was shut down"
        }
    }

    public var errorDescription: String? { description }
}
