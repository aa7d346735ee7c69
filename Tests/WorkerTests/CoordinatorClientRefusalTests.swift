import ClientAccess
import CurlHTTP
import Foundation
import Hummingbird
import Shared
import Testing
import TestSupport
@testable import Worker

/// How the worker reads a coordinator's 401 and 403: a refused credential
/// stops it (exit 64), but a 403 about one lease (another identity's, e.g.
/// granted before tokens were configured) only drops that lease.
@Suite("Coordinator client: refusals")
struct CoordinatorClientRefusalTests {
    /// A coordinator double that answers every POST with `status`, and
    /// records the Authorization header it saw.
    static func refusing(_ status: Int) async throws -> (url: String, server: Task<Void, Never>) {
        let router = Router()
        router.post("**") { _, _ -> Response in
            let body = #"{"error":{"status":\#(status),"message":"refused"}}"#
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let (port, server) = try await LoopbackServer.start(router: router, label: "refusing-coordinator")
        return ("http://127.0.0.1:\(port)", server)
    }

    static func client(_ url: String) throws -> CoordinatorClient {
        CoordinatorClient(baseURL: url, client: try CurlHTTPClient(), credential: .none)
    }

    @Test("401 on any call is a refused credential")
    func unauthenticated() async throws {
        let (url, server) = try await Self.refusing(401)
        defer { server.cancel() }
        let client = try Self.client(url)
        await #expect(throws: CoordinatorCallError.notAllowed(status: 401, message: "refused")) {
            _ = try await client.requestLeases(LeaseRequest(workerName: "w", model: "m", capacity: 1))
        }
        await #expect(throws: CoordinatorCallError.notAllowed(status: 401, message: "refused")) {
            _ = try await client.heartbeat(leaseId: "l")
        }
    }

    @Test("403 on a lease request is a refused credential; on a lease call, the lease is gone")
    func forbidden() async throws {
        let (url, server) = try await Self.refusing(403)
        defer { server.cancel() }
        let client = try Self.client(url)
        await #expect(throws: CoordinatorCallError.notAllowed(status: 403, message: "refused")) {
            _ = try await client.requestLeases(LeaseRequest(workerName: "w", model: "m", capacity: 1))
        }
        await #expect(throws: CoordinatorCallError.leaseGone(status: 403, message: "refused")) {
            _ = try await client.heartbeat(leaseId: "l")
        }
        await #expect(throws: CoordinatorCallError.leaseGone(status: 403, message: "refused")) {
            _ = try await client.submit(leaseId: "l", result: LeaseResult(generated: 0, samples: [], generatedTokens: 0))
        }
        await #expect(throws: CoordinatorCallError.leaseGone(status: 403, message: "refused")) {
            try await client.release(leaseId: "l", release: LeaseRelease(reason: "r"))
        }
    }

    @Test("the credential goes in a bearer header; its refusal says where the token came from")
    func credential() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try Data("  secret-token\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try CoordinatorCredential.resolve(tokenFile: file.path, environment: ["GVM_TOKEN": "env-token"])
        #expect(fromFile.headers == ["Authorization": "Bearer secret-token"])
        #expect(fromFile.refusal(status: 401, message: "m").contains("--token-file \(file.path)"))
        let fromEnvironment = try CoordinatorCredential.resolve(tokenFile: nil, environment: ["GVM_TOKEN": "env-token"])
        #expect(fromEnvironment.headers == ["Authorization": "Bearer env-token"])
        #expect(try CoordinatorCredential.resolve(tokenFile: nil, environment: [:]) == .none)
        #expect(CoordinatorCredential.none.headers.isEmpty)
        #expect(throws: CredentialError.self) { try CoordinatorCredential.resolve(tokenFile: "/nonexistent", environment: [:]) }
        try Data("two words\n".utf8).write(to: file)
        #expect(throws: CredentialError.self) { try CoordinatorCredential.resolve(tokenFile: file.path, environment: [:]) }
        try Data("\n".utf8).write(to: file)
        #expect(throws: CredentialError.self) { try CoordinatorCredential.resolve(tokenFile: file.path, environment: [:]) }
    }
}
