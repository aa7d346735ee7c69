import Foundation
import Hummingbird
import NIOCore
import Shared

/// The one writer of error responses: a JSON `ErrorBody` line, so clients
/// never have to parse text, and `Retry-After` when a retry should wait.
enum ErrorResponse {
    static func make(status: HTTPResponse.Status, field: String?, message: String, retryAfterSeconds: Int? = nil) -> Response {
        let body = ErrorBody(status: status.code, field: field, message: message)
        let data = (try? WireJSON.encoder().encode(body)) ?? Data(#"{"error":{"message":"internal error"}}"#.utf8)
        var response = Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8))))
        if let retryAfterSeconds { response.headers[.retryAfter] = String(retryAfterSeconds) }
        return response
    }
}
