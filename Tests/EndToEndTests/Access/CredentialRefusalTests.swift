import Foundation
import Testing
import TestSupport

/// A worker or an operator command whose token the coordinator refuses stops
/// with status 64 (a configuration error: systemd does not restart it) and
/// says where it looked for the token; tokens are added and revoked by
/// editing the file and sending SIGHUP.
@Suite("Access: refused credentials and reloads")
struct CredentialRefusalTests {
    /// A worker whose engine is never reached: the tests end at its first lease request.
    static func worker(
        _ cluster: AccessCluster, _ extra: [String], name: String = "refused", environment: [String: String] = [:]
    ) throws -> RunningProcess {
        try RunningProcess(
            .worker,
            ["run", "--coordinator", cluster.url, "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1",
             "--model", "double", "--name", name] + extra,
            environment: environment)
    }

    @Test("a worker with a wrong token, no token or a reader's token exits 64 naming where its token came from")
    func workerExits() async throws {
        let cluster = try await AccessCluster.start()
        let wrong = cluster.directory.appendingPathComponent("wrong.token")
        try Data("not-the-token\n".utf8).write(to: wrong)
        let cases: [([String], [String: String], String)] = [
            (["--token-file", wrong.path], [:], "--token-file \(wrong.path)"),
            ([], ["GVM_TOKEN": ""], "GVM_TOKEN is not set"),
            ([], ["GVM_TOKEN": "also-wrong"], "the token came from GVM_TOKEN"),
            (["--token-file", cluster.tokenFile(.grafana)], [:], "HTTP 403"),
        ]
        for (arguments, environment, expected) in cases {
            let worker = try Self.worker(cluster, arguments, environment: environment)
            #expect(await worker.waitForExit(timeout: .seconds(30)) == 64, "\(arguments) \(environment)")
            #expect(worker.stderrText.contains(expected), "\(worker.stderrText.suffix(800))")
            #expect(!worker.stderrText.contains(cluster.tokens[.grafana]!))
        }
        await cluster.stop()
    }

    @Test("a worker with its token from the file, or from GVM_TOKEN, is let in under the token's identity")
    func workerAccepted() async throws {
        let cluster = try await AccessCluster.start()
        let fromFile = try Self.worker(cluster, ["--token-file", cluster.tokenFile(.workerA)], name: "from-file")
        let fromEnvironment = try Self.worker(cluster, [], name: "from-environment", environment: ["GVM_TOKEN": cluster.tokens[.workerB]!])
        let deadline = ContinuousClock.now + .seconds(30)
        var seen = ""
        while ContinuousClock.now < deadline {
            seen = String(decoding: try await cluster.send("GET", "/v1/workers", as: .grafana).body, as: UTF8.self)
            if seen.contains("from-file") && seen.contains("from-environment") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(seen.contains("from-file") && seen.contains("from-environment"), "\(seen)")
        #expect(fromFile.isRunning && fromEnvironment.isRunning)
        fromFile.signal(SIGTERM)
        fromEnvironment.signal(SIGTERM)
        #expect(await fromFile.waitForExit() == 0)
        #expect(await fromEnvironment.waitForExit() == 0)
        await cluster.stop()
    }

    @Test("the CLI: no token is 64 naming GVM_TOKEN, a reader may list but not cancel, an operator may cancel")
    func commandLine() async throws {
        let cluster = try await AccessCluster.start()
        let runId = try await cluster.importAndCreateRun()
        let none = try await BuiltProduct.coordinator.run(["list-runs", "--url", cluster.url], environment: ["GVM_TOKEN": ""])
        #expect(none.status == 64)
        #expect(none.stderr.contains("GVM_TOKEN") && none.stderr.contains("401"))
        let reader = try await BuiltProduct.coordinator.run(["list-runs", "--url", cluster.url, "--token-file", cluster.tokenFile(.grafana)])
        #expect(reader.status == 0, "\(reader.stderr)")
        let readerCancel = try await BuiltProduct.coordinator.run(
            ["cancel", "--url", cluster.url, "--run", String(runId), "--token-file", cluster.tokenFile(.grafana)])
        #expect(readerCancel.status == 64)
        #expect(readerCancel.stderr.contains("403") && readerCancel.stderr.contains("--token-file"))
        let operatorCancel = try await BuiltProduct.coordinator.run(
            ["cancel", "--url", cluster.url, "--run", String(runId)], environment: ["GVM_TOKEN": cluster.tokens[.alice]!])
        #expect(operatorCancel.status == 0, "\(operatorCancel.stderr)")
        let missing = try await BuiltProduct.coordinator.run(["list-runs", "--url", cluster.url, "--token-file", "/nonexistent/token"])
        #expect(missing.status != 0 && missing.stderr.contains("/nonexistent/token"))
        await cluster.stop()
    }

    @Test("SIGHUP reloads the tokens file: a revoked token stops working, a new one starts; a broken file changes nothing")
    func reload() async throws {
        let cluster = try await AccessCluster.start()
        let tokensFile = cluster.directory.appendingPathComponent("tokens.json")
        let original = try Data(contentsOf: tokensFile)
        var file = try #require(try JSONSerialization.jsonObject(with: original) as? [String: [[String: String]]])
        let newToken = UUID().uuidString
        file["tokens"] = file["tokens"]!.filter { $0["name"] != "grafana" }
            + [["name": "dashboard", "role": "reader", "sha256": AccessCluster.sha256(newToken)]]
        try JSONSerialization.data(withJSONObject: file).write(to: tokensFile)
        cluster.coordinator.signal(SIGHUP)
        #expect(try await Self.eventually { try await cluster.send("GET", "/v1/status", as: .grafana).status == 401 })
        let added = try await cluster.send("GET", "/v1/status", as: nil, headers: ["Authorization": "Bearer \(newToken)"])
        #expect(added.status == 200)

        try Data("{not json".utf8).write(to: tokensFile)
        cluster.coordinator.signal(SIGHUP)
        #expect(try await Self.eventually { cluster.coordinator.stderrText.contains("tokens not reloaded") })
        #expect(try await cluster.send("GET", "/v1/status", as: nil, headers: ["Authorization": "Bearer \(newToken)"]).status == 200)
        #expect(cluster.coordinator.isRunning)
        await cluster.stop()
    }

    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
