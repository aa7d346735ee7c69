import CurlHTTP
import Foundation
import Testing

@Suite("Failures")
struct FailureTests {
    @Test("A server that never answers times out within the request's timeout")
    func timeout() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let url = server.url("/never")
        let clock = ContinuousClock()
        let start = clock.now

        let error = await #expect(throws: HTTPClientError.self) {
            try await client.send(HTTPRequest(url: url, timeout: .milliseconds(500)))
        }

        let elapsed = clock.now - start
        guard case .timedOut(let failedURL, let message) = error else {
            Issue.record("expected .timedOut, got \(String(describing: error))")
            return
        }
        #expect(failedURL == url)
        #expect(!message.isEmpty)
        #expect(elapsed >= .milliseconds(450))
        // Far below the 30 s the server would otherwise hang for; the margin
        // keeps a loaded CI machine from failing the test.
        #expect(elapsed < .seconds(20))
    }

    @Test("A request waiting for a free connection still times out on time")
    func timeoutWhileQueued() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient(maxConnectionsPerHost: 1)
        defer { client.shutdown() }
        let blocker = Task { try await client.send(HTTPRequest(url: server.url("/never"), timeout: .seconds(30))) }
        defer { blocker.cancel() }
        try await server.waitForRequests(1)
        let clock = ContinuousClock()
        let start = clock.now

        let error = await #expect(throws: HTTPClientError.self) {
            try await client.send(HTTPRequest(url: server.url("/echo"), timeout: .milliseconds(500)))
        }

        // libcurl alone would wait for the blocker's connection and fail
        // later with a misleading "Failed to resolve host".
        guard case .timedOut(_, let message) = error else {
            Issue.record("expected .timedOut, got \(String(describing: error))")
            return
        }
        #expect(!message.contains("resolve"))
        #expect(clock.now - start < .seconds(20))
        #expect(server.requestsReceived == 1)
    }

    @Test("Connection refused is a transport error naming the URL")
    func connectionRefused() async throws {
        let url = "http://127.0.0.1:\(try LoopbackHTTPServer.unusedPort())/echo"
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        let error = await #expect(throws: HTTPClientError.self) {
            try await client.send(HTTPRequest(url: url))
        }

        guard case .transport(let failedURL, let code, let message) = error else {
            Issue.record("expected .transport, got \(String(describing: error))")
            return
        }
        #expect(failedURL == url)
        #expect(code == 7)  // CURLE_COULDNT_CONNECT
        #expect(!message.isEmpty)
        #expect(error?.description.contains(url) == true)
    }

    @Test("A header with a line break is refused before anything is sent")
    func headerInjection() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        let error = await #expect(throws: HTTPClientError.self) {
            try await client.send(HTTPRequest(url: server.url("/echo"), headers: ["X-Evil": "a\r\nHost: elsewhere"]))
        }

        guard case .invalidRequest = error else {
            Issue.record("expected .invalidRequest, got \(String(describing: error))")
            return
        }
        #expect(server.requestsReceived == 0)
        // The client is still usable afterwards.
        #expect(try await client.send(HTTPRequest(url: server.url("/echo"))).status == 200)
    }
}
