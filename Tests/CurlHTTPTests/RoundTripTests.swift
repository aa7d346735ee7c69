import CurlHTTP
import Foundation
import Testing

@Suite("Request and response round trips")
struct RoundTripTests {
    @Test("GET sends the caller's headers and returns the server's")
    func getWithHeaders() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient(userAgent: "gvm-test")
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.url("/echo"), headers: ["X-Trace": "abc 123"]))

        #expect(response.status == 200)
        #expect(response.header("X-Method") == "GET")
        #expect(response.headers["x-echo-x-trace"] == "abc 123")
        #expect(response.headers["x-echo-user-agent"] == "gvm-test")
        #expect(response.headers["content-length"] == "0")
        #expect(response.body.isEmpty)
        // libcurl's "Expect: 100-continue" round trip is turned off.
        #expect(response.headers["x-echo-expect"] == nil)
    }

    @Test("POST uploads the body and receives the echoed one")
    func postJSON() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        let json = Data(#"{"prompt":"2+2=","max_tokens":4}"#.utf8)

        let response = try await client.send(HTTPRequest(
            method: "POST", url: server.url("/echo"),
            headers: ["Content-Type": "application/json"], body: json))

        #expect(response.status == 200)
        #expect(response.headers["x-method"] == "POST")
        #expect(response.headers["x-echo-content-type"] == "application/json")
        #expect(response.headers["x-echo-content-length"] == "\(json.count)")
        #expect(response.body == json)
    }

    @Test("Other methods are sent as given, with or without a body")
    func otherMethods() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        let put = try await client.send(HTTPRequest(method: "PUT", url: server.url("/echo"), body: Data("x".utf8)))
        #expect(put.headers["x-method"] == "PUT")
        #expect(put.body == Data("x".utf8))
        // A body without a Content-Type is not labelled as a form.
        #expect(put.headers["x-echo-content-type"] == nil)

        let delete = try await client.send(HTTPRequest(method: "DELETE", url: server.url("/echo")))
        #expect(delete.headers["x-method"] == "DELETE")

        let head = try await client.send(HTTPRequest(method: "HEAD", url: server.url("/echo")))
        #expect(head.status == 200)
        #expect(head.headers["x-method"] == "HEAD")
        #expect(head.body.isEmpty)

        let emptyPost = try await client.send(HTTPRequest(method: "POST", url: server.url("/echo")))
        #expect(emptyPost.headers["x-method"] == "POST")
        #expect(emptyPost.headers["x-echo-content-length"] == "0")
    }

    @Test("Non-2xx statuses are returned, not thrown", arguments: [404, 500, 503])
    func errorStatus(status: Int) async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.url("/status/\(status)")))

        #expect(response.status == status)
        #expect(String(decoding: response.body, as: UTF8.self) == "status \(status)")
    }

    @Test("Repeated response headers are joined under one lower-case name")
    func repeatedHeaders() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }

        let response = try await client.send(HTTPRequest(url: server.url("/duplicate-headers")))

        #expect(response.headers["set-cookie"] == "a=1, b=2")
    }

    @Test("Several megabytes travel both ways intact")
    func largeBodies() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let client = try CurlHTTPClient()
        defer { client.shutdown() }
        var generator = SplitMix64(seed: 42)
        let body = Data((0..<(6 * 1024 * 1024 + 17)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })

        let response = try await client.send(HTTPRequest(
            method: "POST", url: server.url("/echo"),
            headers: ["Content-Type": "application/octet-stream"], body: body))

        #expect(response.status == 200)
        #expect(response.body.count == body.count)
        #expect(response.body == body)
    }
}

/// Deterministic bytes for the large-body test.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
