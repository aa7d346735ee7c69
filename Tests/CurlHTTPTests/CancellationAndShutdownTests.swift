import CurlHTTP
import Foundation
import Testing

@Suite("Cancellation and shutdown")
struct CancellationAndShutdownTests {
    @Test("Cancelling the task aborts a request the server is sitting on")
    func cancelInFlight() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let request = Task { try await client.send(HTTPRequest(url: server.url("/never"), timeout: .seconds(60))) }
        try await server.waitForRequests(1)
        let clock = ContinuousClock()
        let start = clock.now

        request.cancel()

        await #expect(throws: CancellationError.self) { try await request.value }
        #expect(clock.now - start < .seconds(20))
        // The handle was detached cleanly: the client goes on working.
        #expect(try await client.send(HTTPRequest(url: server.url("/echo"))).status == 200)
    }

    @Test("A task cancelled before sending never reaches the server")
    func cancelBeforeSending() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let request = Task {
            while !Task.isCancelled { await Task.yield() }
            return try await client.send(HTTPRequest(url: server.url("/echo")))
        }

        request.cancel()

        await #expect(throws: CancellationError.self) { try await request.value }
        #expect(server.requestsReceived == 0)
    }

    @Test("Shutdown fails the requests in flight and refuses new ones")
    func shutdownFailsPending() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        let url = server.url("/never")
        let requests = (0..<3).map { _ in
            Task { try await client.send(HTTPRequest(url: url, timeout: .seconds(60))) }
        }
        try await server.waitForRequests(3)

        client.shutdown()

        for request in requests {
            await #expect(throws: HTTPClientError.shutDown(url: url)) { try await request.value }
        }
        await #expect(throws: HTTPClientError.shutDown(url: url)) {
            try await client.send(HTTPRequest(url: url))
        }
    }

    @Test("Dropping the last reference shuts the client down")
    func deinitShutsDown() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        var client: CurlHTTPClient? = try CurlHTTPClient()
        #expect(try await client?.send(HTTPRequest(url: server.url("/echo"))).status == 200)

        client = nil

        // The loop thread closes its connections as it exits.
        let deadline = ContinuousClock.now + .seconds(10)
        while server.openConnectionCount > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.openConnectionCount == 0)
    }
}
