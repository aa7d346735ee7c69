import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Shared
@testable import Coordinator

/// The coordinator's router over a store, run in-process with
/// HummingbirdTesting: real routes and middleware, no socket.
enum InProcessRouter {
    static func test<Value>(
        _ router: Router<GVMRequestContext>, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var logger = Logger(label: "in-process-router-test")
        logger.logLevel = .critical
        return try await Application(router: router, logger: logger).test(.router, body)
    }

    static func test<Value>(
        store: any CoordinatorStore, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await test(CoordinatorRouter.build(store: store), body)
    }

    /// A request body of `value` as the wire encodes it.
    static func json(_ value: some Encodable) throws -> ByteBuffer {
        ByteBuffer(bytes: try WireJSON.encoder().encode(value))
    }

    /// A response body decoded as the wire decodes it.
    static func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
        try WireJSON.decoder().decode(type, from: Data(buffer: response.body))
    }

    /// A JSON object response, for the fields a test checks.
    static func object(_ response: TestResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
    }
}
