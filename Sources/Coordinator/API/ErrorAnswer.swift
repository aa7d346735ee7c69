import Foundation
import GRDB
import Hummingbird
import NIOHTTP1

/// What the client is told about an error that cannot render itself (any
/// but `RequestRefusal`), decided without any I/O, so that every mapping is
/// testable on its own.
struct ErrorAnswer: Equatable {
    var status: HTTPResponse.Status
    var field: String?
    var message: String
    /// Seconds a client should wait before trying again, when it should.
    var retryAfterSeconds: Int?
    /// Set for unexpected errors: the client sees only this id, and the log
    /// line carries it with the whole error.
    var errorId: String?

    /// How long a client should wait after a disk-full answer.
    static let diskFullRetrySeconds = 5

    init(status: HTTPResponse.Status, field: String? = nil, message: String, retryAfterSeconds: Int? = nil, errorId: String? = nil) {
        self.status = status
        self.field = field
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.errorId = errorId
    }

    init(_ error: any Error, makeId: () -> String = { String(UUID().uuidString.prefix(8)).lowercased() }) {
        switch error {
        case let error as HTTPError:
            self.init(status: error.status, message: error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            self.init(status: error.status, message: error.status.reasonPhrase)
        case let error as HTTPParserError:
            // A bad chunk size, an overflowing one, a body cut short: the
            // client's framing, not the coordinator's fault.
            self.init(status: .badRequest, field: "body", message: "malformed HTTP request: \(error)")
        case let error as DatabaseError where error.resultCode == .SQLITE_FULL:
            // Nothing was committed; the client should come back once space is freed.
            self.init(
                status: .serviceUnavailable, message: "the coordinator's disk is full; nothing was stored; retry later",
                retryAfterSeconds: Self.diskFullRetrySeconds)
        case let error as DatabaseError where error.resultCode == .SQLITE_IOERR:
            // The storage failed: a full file system also shows up here when
            // the WAL index cannot grow (SQLITE_IOERR_SHMSIZE), and that can
            // happen after the transaction's frames reached the log, so a
            // restart may recover them: the write may or may not be stored.
            // Retrying is safe where repeats are (a result's repeat is
            // answered as a duplicate); the log line carries the whole error.
            let id = makeId()
            self.init(
                status: .serviceUnavailable,
                message: "the coordinator's storage failed (id \(id)); the write may or may not have been stored; "
                    + "retry later (a repeated result is answered as a duplicate)",
                retryAfterSeconds: Self.diskFullRetrySeconds, errorId: id)
        default:
            let id = makeId()
            self.init(status: .internalServerError, message: "internal error (id \(id))", errorId: id)
        }
    }
}

/// Rendered in the same JSON as a refusal, with `Retry-After` when it has one.
extension ErrorAnswer: HTTPResponseError {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorResponse.make(status: status, field: field, message: message, retryAfterSeconds: retryAfterSeconds)
    }
}
