import Foundation
import Testing
import TestSupport

/// What a web page on another site can make a browser send: a "simple"
/// cross-site POST (text/plain, a form) and, after DNS rebinding, a request
/// with its own Host. Neither may change anything.
@Suite("Access: browser requests")
struct BrowserRequestTests {
    @Test("a cross-site text/plain POST is 415 and leaves the run as it was, with or without tokens")
    func simplePost() async throws {
        // Without tokens, where a page on the same machine is the real threat.
        let open = try await Cluster.start()
        let run = try await open.createRun(IterationEndToEndTests.configuration())
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let answer = try await open.post("/v1/runs/\(run.runId)/cancel", body: Data("x".utf8), contentType: type)
            #expect(answer.status == 415, "\(type): \(answer.status)")
            #expect(String(decoding: answer.body, as: UTF8.self).contains("Content-Type"))
        }
        let state = String(decoding: try await open.get("/v1/runs/\(run.runId)").body, as: UTF8.self)
        #expect(state.contains(#""state":"active""#), "\(state)")
        await open.stopAll()

        let cluster = try await AccessCluster.start()
        let runId = try await cluster.importAndCreateRun()
        let answer = try await cluster.send("POST", "/v1/runs/\(runId)/cancel", as: .alice, body: Data("x".utf8), contentType: "text/plain")
        #expect(answer.status == 415)
        await cluster.stop()
    }

    @Test("a foreign Host is refused, a listed one is answered, and no CORS header is ever sent")
    func hosts() async throws {
        let cluster = try await AccessCluster.start(config: ["allowedHosts": ["gvm.example.org"]])
        let foreign = try await cluster.send("GET", "/v1/status", as: .grafana, headers: ["Host": "attacker.example:\(cluster.port)"])
        #expect(foreign.status == 403)
        #expect(String(decoding: foreign.body, as: UTF8.self).contains(#""field":"Host""#))
        let rebound = try await cluster.send("GET", "/healthz", as: nil, headers: ["Host": "attacker.example"])
        #expect(rebound.status == 403)
        let listed = try await cluster.send("GET", "/v1/status", as: .grafana, headers: ["Host": "gvm.example.org:\(cluster.port)"])
        #expect(listed.status == 200)
        let preflight = try await cluster.send(
            "OPTIONS", "/v1/runs", as: nil, headers: ["Origin": "https://attacker.example", "Access-Control-Request-Method": "POST"])
        for answer in [foreign, listed, preflight] {
            #expect(!answer.headers.keys.contains { $0.lowercased().hasPrefix("access-control-") }, "\(answer.headers)")
        }
        await cluster.stop()
    }
}
