import Foundation
import GRDB
import Hummingbird
import Logging
import Shared

/// Answers the errors that cannot render themselves (the store's, NIO's,
/// Hummingbird's own and unexpected ones) as gvm's JSON `ErrorBody`, via
/// `ErrorAnswer`, and logs those that are the coordinator's fault.
/// `RequestRefusal` renders itself and passes through untouched.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as RequestRefusal {
            throw refusal
        } catch {
            let answer = ErrorAnswer(error)
            Self.log(answer, of: error, path: request.uri.path, logger: context.logger)
            return try answer.response(from: request, context: context)
        }
    }

    /// Unexpected errors with their id, and every other 5xx, so an operator
    /// sees what the client was spared.
    static func log(_ answer: ErrorAnswer, of error: any Error, path: String, logger: Logger) {
        var metadata: Logger.Metadata = ["path": "\(path)", "error": "\(error)"]
        // GRDB's description names only SQLite's primary code; the
        // extended one says which I/O failed.
        if let error = error as? DatabaseError { metadata["sqliteExtendedCode"] = "\(error.extendedResultCode.rawValue)" }
        if let error = error as? UnknownStoredValue {
            metadata["table"] = "\(error.table)"
            metadata["row"] = "\(error.row)"
        }
        if let errorId = answer.errorId {
            metadata["errorId"] = "\(errorId)"
            logger.error("request failed", metadata: metadata)
        } else if answer.status.code >= 500 {
            logger.error("request refused", metadata: metadata)
        }
    }
}
