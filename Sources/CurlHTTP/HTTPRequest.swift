import Foundation

/// One HTTP request for `CurlHTTPClient.send(_:)`.
public struct HTTPRequest: Sendable {
    /// The request method, sent as given ("GET", "POST", "PUT", "DELETE", ...).
    public var method: String
    public var url: String
    /// Request headers. Names and values must not contain CR or LF.
    /// When a body is sent without a `Content-Type`, none is sent (libcurl's
    /// form-encoded default is suppressed), so JSON callers should set it.
    public var headers: [String: String]
    /// The request body. A POST without one sends `Content-Length: 0`.
    public var body: Data?
    /// Limit on the whole exchange, counted from `send`: waiting for a free
    /// connection, connecting, sending and receiving.
    public var timeout: Duration
    /// Limit on establishing the TCP connection alone.
    public var connectTimeout: Duration
    /// When set, the body of a 2xx response is handed here chunk by chunk,
    /// on the client's thread, instead of being collected (the response's
    /// `body` is then empty); other responses are collected as usual. For
    /// downloads larger than memory should hold, such as trace exports.
    public var receiveBody: (@Sendable (Data) -> Void)?

    public init(
        method: String = "GET",
        url: String,
        headers: [String: String] = [:],
        body: Data? = nil,
        timeout: Duration = .seconds(60),
        connectTimeout: Duration = .seconds(10),
        receiveBody: (@Sendable (Data) -> Void)? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.receiveBody = receiveBody
    }
}
