import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import NIOCore
import Shared
import Testing
@testable import Coordinator

/// How the router answers errors, in-process: every one as a JSON
/// `ErrorBody` line with the status it deserves.
@Suite("Coordinator router, error answers")
struct CoordinatorRouterErrorTests {
    static func errorBody(_ response: TestResponse) throws -> ErrorBody.Detail {
        #expect(response.headers[.contentType] == "application/json")
        #expect(String(buffer: response.body).hasSuffix("}\n"))
        return try InProcessRouter.decode(ErrorBody.self, response).error
    }

    @Test("an unknown run is 404 with the refusal's message and no field")
    func unknownRun() async throws {
        let harness = try StoreHarness()
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/runs/99", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try Self.errorBody(response)
                #expect(error == RequestRefusal.notFound("run 99 does not exist").detail)
                // An absent field is left out, not written as null.
                #expect(!String(buffer: response.body).contains("field"))
            }
        }
    }

    @Test("an unknown path is 404 with a JSON body")
    func unknownPath() async throws {
        let harness = try StoreHarness()
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                let error = try Self.errorBody(response)
                #expect(error == ErrorBody(status: 404, field: nil, message: "Not Found").error)
            }
        }
    }

    @Test("a bad path parameter, query parameter or body field is 400 naming it")
    func badField() async throws {
        let harness = try StoreHarness()
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/runs/first", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try Self.errorBody(response)
                #expect(error == ErrorBody(status: 400, field: "runId", message: "must be a whole number >= 0").error)
            }
            try await client.execute(uri: "/v1/runs/1/iterations/0/wait?timeoutSeconds=21", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try Self.errorBody(response)
                #expect(error.field == "timeoutSeconds")
            }
            let body = ByteBuffer(string: #"{"workerName":"w1","model":"test-model","capacity":"four"}"#)
            try await client.execute(uri: "/v1/leases", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .badRequest)
                let error = try Self.errorBody(response)
                #expect(error.field == "capacity", "\(error)")
            }
        }
    }

    @Test("a command the run's state forbids is 409")
    func conflict() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        _ = try await harness.store.cancel(runId: run.runId, now: Date())
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/runs/\(run.runId)/pause", method: .post) { response in
                #expect(response.status == .conflict)
                let error = try Self.errorBody(response)
                #expect(error.status == 409 && error.field == nil && error.message.contains("cancelled"), "\(error)")
            }
        }
    }

    @Test("a body declared larger than the endpoint accepts is 413 before it is read")
    func tooLarge() async throws {
        let harness = try StoreHarness()
        try await InProcessRouter.test(store: harness.store) { client in
            let declared = String(JSONResponses.maxJSONBodyBytes + 1)
            try await client.execute(uri: "/v1/leases", method: .post, headers: [.contentLength: declared, .contentType: "application/json"]) { response in
                #expect(response.status == .contentTooLarge)
                let error = try Self.errorBody(response)
                #expect(error == JSONResponses.tooLarge(limit: JSONResponses.maxJSONBodyBytes).detail)
            }
        }
    }

    @Test("an unexpected error is 500 with an error id and nothing more")
    func unexpected() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        // A state this build does not know: the store throws UnknownStoredValue.
        try await harness.store.pool.write { db in
            try db.execute(sql: "UPDATE run SET state = 'archived' WHERE id = ?", arguments: [run.runId])
        }
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/runs/\(run.runId)", method: .get) { response in
                #expect(response.status == .internalServerError)
                let error = try Self.errorBody(response)
                #expect(error.field == nil)
                #expect(error.message.wholeMatch(of: /internal error \(id [0-9a-f]{8}\)/) != nil, "\(error.message)")
            }
        }
    }

    @Test("a full disk is 503 with Retry-After")
    func diskFull() async throws {
        let router = Router(context: GVMRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.post("full") { _, _ -> Response in
            throw DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full", sql: "INSERT INTO trace")
        }
        try await InProcessRouter.test(router) { client in
            try await client.execute(uri: "/full", method: .post) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == String(ErrorAnswer.diskFullRetrySeconds))
                let error = try Self.errorBody(response)
                #expect(error.message.contains("disk is full"))
            }
        }
    }
}

extension RequestRefusal {
    /// What the client is told of this refusal.
    var detail: ErrorBody.Detail { ErrorBody(status: status.code, field: field, message: message).error }
}
