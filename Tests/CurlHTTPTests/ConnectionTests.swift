import CurlHTTP
import Foundation
import Testing

@Suite("Connection reuse and concurrency")
struct ConnectionTests {
    @Test("Sequential requests reuse one keep-alive connection")
    func sequentialReuse() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        for index in 0..<50 {
            let response = try await client.send(HTTPRequest(
                method: "POST", url: server.url("/echo"), body: Data("request \(index)".utf8)))
            #expect(response.body == Data("request \(index)".utf8))
        }

        #expect(server.requestsReceived == 50)
        #expect(server.acceptedConnections == 1)
    }

    @Test("Concurrent requests stay within maxConnectionsPerHost")
    func connectionLimit() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient(maxConnectionsPerHost: 4)
        defer { client.shutdown() }

        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await client.send(HTTPRequest(url: server.url("/delay/50"))).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(server.acceptedConnections <= 4)
        // The requests did overlap: more than one connection was in use.
        #expect(server.acceptedConnections > 1)
    }

    @Test("100 concurrent requests all complete with their own responses")
    func hundredConcurrent() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient(maxConnectionsPerHost: 8)
        defer { client.shutdown() }

        let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<100 {
                group.addTask {
                    let body = Data("payload \(index)".utf8)
                    let response = try await client.send(HTTPRequest(method: "POST", url: server.url("/echo"), body: body))
                    return response.status == 200 && response.body == body
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 0 : 1) }
        }

        #expect(mismatches == 0)
        #expect(server.requestsReceived == 100)
        #expect(server.acceptedConnections <= 8)
    }
}
