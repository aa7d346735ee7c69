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
        } catch let error as CoordinatorError {
            return Self.response(status: error.status, field: error.field, message: error.message)
        } catch let error as HTTPError {
            return Self.response(status: error.status, field: nil, message: error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            return Self.response(status: error.status, field: nil, message: error.status.reasonPhrase)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_FULL {
            // Nothing was committed; the client should come back once space is freed.
            context.logger.error("disk full", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            var response = Self.response(
                status: .serviceUnavailable, field: nil,
                message: "the coordinator's disk is full; nothing was stored; retry later")
            response.headers[.retryAfter] = String(Self.diskFullRetrySeconds)
            return response
        } catch {
            // The client learns only an id; the log line has the whole error.
            let errorId = String(UUID().uuidString.prefix(8)).lowercased()
            context.logger.error(
                "request failed", metadata: ["path": "\(request.uri.path)", "errorId": "\(errorId)", "error": "\(error)"])
            return Self.response(status: .internalServerError, field: nil, message: "internal error (id \(errorId))")
        }
    }

    /// How long a client should wait after a disk-full answer.
    static var diskFullRetrySeconds: Int { 5 }

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
