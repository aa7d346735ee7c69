import Foundation
import Testing
import TestSupport

/// The embedded default: no tokens, loopback only.
@Suite("Access: without tokens")
struct NoTokenModeTests {
    @Test("without tokens a loopback coordinator accepts requests with no credential, and warns at start")
    func loopback() async throws {
        let cluster = try await Cluster.start()
        #expect(try await cluster.get("/v1/status").status == 200)
        let created = try await cluster.post("/v1/datasets?name=tiny", body: Data(#"{"problem":"1+1","answer":"2"}"#.utf8 + [10]),
                                             contentType: "application/x-ndjson")
        #expect(created.status == 201)
        #expect(cluster.coordinator.stderrText.contains("no tokens configured"))
        // A reload (systemctl reload sends SIGHUP) must not stop it.
        cluster.coordinator.signal(SIGHUP)
        #expect(try await CredentialRefusalTests.eventually { cluster.coordinator.stderrText.contains("nothing to reload") })
        #expect(cluster.coordinator.isRunning)
        #expect(try await cluster.get("/v1/status").status == 200)
        await cluster.stopAll()
    }

    @Test("without tokens a non-loopback --host is refused at start with status 64, unless --insecure-no-auth")
    func nonLoopback() async throws {
        let directory = AccessCluster.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("gvm.sqlite").path
        let refused = try await BuiltProduct.coordinator.run(["serve", "--db", database, "--host", "0.0.0.0", "--port", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--insecure-no-auth") && refused.stderr.contains("0.0.0.0"))

        let insecure = try RunningProcess(.coordinator, ["serve", "--db", database, "--host", "0.0.0.0", "--port", "0", "--insecure-no-auth"])
        _ = try await insecure.listeningPort()
        insecure.signal(SIGTERM)
        #expect(await insecure.waitForExit() == 0)
        #expect(insecure.stderrText.contains("--insecure-no-auth given"))
    }
}
