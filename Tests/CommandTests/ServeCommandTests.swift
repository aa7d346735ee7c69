import Foundation
import Testing
import TestSupport

@Suite("gvm-coordinator serve")
struct ServeCommandTests {
    @Test("bad settings exit non-zero and name the problem", arguments: [
        (#"{"dbb":"/tmp/x.sqlite"}"#, "dbb"),
        (#"{"db":"/tmp/x.sqlite","port":"80"}"#, "port"),
        (#"{"db":"/tmp/x.sqlite","port":70000}"#, "--port"),
        (#"{"db":"/tmp/x.sqlite","logLevel":"loud"}"#, "logLevel"),
        (#"{}"#, "--db is required"),
        (#"{"db":"/tmp/x.sqlite","maxDatabaseMiB":0}"#, "maxDatabaseMiB"),
        (#"{"db":"/tmp/x.sqlite","maxDatabaseMiB":1.5}"#, "maxDatabaseMiB"),
        (#"{"db":"/tmp/x.sqlite","allowedHosts":["gvm example"]}"#, "allowedHosts"),
        (#"{"db":"/tmp/x.sqlite","allowedHosts":"gvm.example.org"}"#, "allowedHosts"),
        (#"{"db":"/tmp/x.sqlite","openMetrics":"yes"}"#, "openMetrics"),
        (#"{"db":"/tmp/x.sqlite","insecureNoAuth":1}"#, "insecureNoAuth"),
        (#"{"db":"/tmp/x.sqlite","tlsCertificate":"/tmp/cert.pem"}"#, "--tls-key"),
        (#"{"db":"/tmp/x.sqlite","tokensFile":"/nonexistent/tokens.json"}"#, "/nonexistent/tokens.json"),
        (#"{"db":"/tmp/x.sqlite","tlsCertificate":"/nonexistent/c.pem","tlsKey":"/nonexistent/k.pem"}"#, "--tls-certificate"),
    ])
    func badConfig(json: String, problem: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-serve-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await BuiltProduct.coordinator.run(["serve", "--config", file.path])
        // 64: a configuration error, which the unit does not restart.
        #expect(result.status == 64)
        #expect(result.stderr.contains(problem), "\(result.stderr)")
    }
}
