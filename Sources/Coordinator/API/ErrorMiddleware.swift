import Foundation
import GRDB
import Hummingbird
import Logging
import Shared

/// Turns every error into a JSON `ErrorBody` with the status it deserves, so
/// clients never have to parse text.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let answer = ErrorAnswer(error)
            var metadata: Logger.Metadata = ["path": "\(request.uri.path)", "error": "\(error)"]
            // GRDB's description names only SQLite's primary code; the
            // extended one says which I/O failed.
            if let error = error as? DatabaseError { metadata["sqliteExtendedCode"] = "\(error.extendedResultCode.rawValue)" }
            if let error = error as? UnknownStoredValue {
                metadata["table"] = "\(error.table)"
                metadata["row"] = "\(error.row)"
            }
            if let errorId = answer.errorId {
                metadata["errorId"] = "\(errorId)"
                context.logger.error("request failed", metadata: metadata)
            } else if answer.status.code >= 500 {
                context.logger.error("request refused", metadata: metadata)
            }
            var response = Self.response(status: answer.status, field: answer.field, message: answer.message)
            if let seconds = answer.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
            return response
        }
    }

    static func response(status: HTTPResponse.Status, field: String?, message: String) -> Response {
        let body = ErrorBody(status: status.code, field: field, message: message)
        let data = (try? WireJSON.encoder().encode(body)) ?? Data(#"{"error":{"message":"internal error"}}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8))))
    }
}

extension CoordinatorError {
    var status: HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        }
    }
}
