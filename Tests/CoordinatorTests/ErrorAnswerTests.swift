import Foundation
import GRDB
import Hummingbird
import NIOHTTP1
import Testing
@testable import Coordinator

/// What each kind of error tells the client.
@Suite("Error answers")
struct ErrorAnswerTests {
    @Test("a refusal's kind decides its status (its body: CoordinatorRouterErrorTests)")
    func refusalStatus() {
        #expect(RequestRefusal.invalid(field: "capacity", "must be at least 1").status == .badRequest)
        #expect(RequestRefusal.notFound("run 9 does not exist").status == .notFound)
        #expect(RequestRefusal.conflict("lease re-issued").status == .conflict)
        #expect(JSONResponses.tooLarge(limit: 1).status == .contentTooLarge)
    }

    @Test("a full disk is 503 with Retry-After and a plain message")
    func diskFull() {
        let answer = ErrorAnswer(DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full", sql: "INSERT INTO trace ..."))
        #expect(answer.status == .serviceUnavailable && answer.retryAfterSeconds == ErrorAnswer.diskFullRetrySeconds)
        #expect(!answer.message.contains("SQLite") && !answer.message.contains("INSERT") && answer.errorId == nil)
    }

    @Test("a storage I/O error (a WAL index that cannot grow on a full disk) is 503 with Retry-After and an error id, and says the write may be stored")
    func storageFailed() {
        let failure = DatabaseError(resultCode: ResultCode(rawValue: 4874), message: "disk I/O error", sql: "COMMIT TRANSACTION")
        #expect(failure.resultCode == .SQLITE_IOERR)
        let answer = ErrorAnswer(failure, makeId: { "0badc0de" })
        #expect(answer.status == .serviceUnavailable && answer.retryAfterSeconds == ErrorAnswer.diskFullRetrySeconds)
        #expect(answer.errorId == "0badc0de" && answer.message.contains("id 0badc0de") && answer.message.contains("may or may not"))
        #expect(!answer.message.contains("COMMIT"))
    }

    @Test("broken HTTP framing is the client's 400", arguments: [HTTPParserError.invalidChunkSize, .invalidEOFState])
    func framing(_ error: HTTPParserError) {
        let answer = ErrorAnswer(error)
        #expect(answer.status == .badRequest && answer.field == "body" && answer.message.hasPrefix("malformed HTTP request"))
    }

    @Test("anything else is a 500 with an error id and no internal text")
    func unexpected() {
        let failure = DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "UNIQUE constraint failed: trace.runId", sql: "INSERT INTO trace")
        let answer = ErrorAnswer(failure, makeId: { "0badc0de" })
        #expect(answer == ErrorAnswer(status: .internalServerError, message: "internal error (id 0badc0de)", errorId: "0badc0de"))
        let ids = Set((0..<20).map { _ in ErrorAnswer(failure).errorId })
        #expect(ids.count == 20 && ids.allSatisfy { $0?.count == 8 })
    }
}
