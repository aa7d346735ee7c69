import Foundation
import Testing
import TestSupport

/// `gvm-coordinator tokens add|revoke|list` on a real tokens file, and a
/// real coordinator that takes the token it made.
@Suite("gvm-coordinator tokens")
struct TokenCommandTests {
    @Test("add writes a 0600 token and its hash; the coordinator takes it; revoke removes it; mistakes are refused")
    func lifecycle() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("tokens.json").path
        let alice = directory.appendingPathComponent("alice.token").path
        let node = directory.appendingPathComponent("node.token").path

        let added = try await BuiltProduct.coordinator.run(
            ["tokens", "add", "--file", file, "--name", "alice", "--role", "operator", "--token-out", alice])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdoutText.contains("systemctl reload"))
        let attributes = try FileManager.default.attributesOfItem(atPath: alice)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let token = try String(contentsOfFile: alice, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 64)
        #expect(!(try String(contentsOfFile: file, encoding: .utf8)).contains(token), "the tokens file holds hashes only")
        #expect(try await BuiltProduct.coordinator.run(
            ["tokens", "add", "--file", file, "--name", "gpu-node-1", "--role", "worker", "--token-out", node]).status == 0)

        let listed = try await BuiltProduct.coordinator.run(["tokens", "list", "--file", file])
        #expect(listed.stdoutText == "alice\toperator\ngpu-node-1\tworker\n")

        // Refused, and nothing changes: a taken name, a bad role, an existing token file, a bad name.
        for (arguments, problem) in [
            (["--name", "alice", "--role", "reader", "--token-out", directory.appendingPathComponent("x").path], "alice is listed twice"),
            (["--name", "bob", "--role", "admin", "--token-out", directory.appendingPathComponent("y").path], "--role"),
            (["--name", "bob", "--role", "reader", "--token-out", alice], "--token-out"),
            (["--name", "bob smith", "--role", "reader", "--token-out", directory.appendingPathComponent("z").path], "name"),
        ] {
            let refused = try await BuiltProduct.coordinator.run(["tokens", "add", "--file", file] + arguments)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains(problem), "\(refused.stderr)")
        }
        #expect(try await BuiltProduct.coordinator.run(["tokens", "list", "--file", file]).stdoutText == listed.stdoutText)
        #expect(try String(contentsOfFile: alice, encoding: .utf8).contains(token))

        // The coordinator takes the token the command made.
        let coordinator = try RunningProcess(
            .coordinator, ["serve", "--db", directory.appendingPathComponent("gvm.sqlite").path, "--port", "0", "--tokens", file])
        let url = "http://127.0.0.1:\(try await coordinator.listeningPort())"
        #expect(try await BuiltProduct.coordinator.run(["list-runs", "--url", url, "--token-file", alice]).status == 0)

        let revoked = try await BuiltProduct.coordinator.run(["tokens", "revoke", "--file", file, "--name", "alice"])
        #expect(revoked.status == 0, "\(revoked.stderr)")
        coordinator.signal(SIGHUP)
        var refusedAfterReload = false
        for _ in 0..<100 where !refusedAfterReload {
            refusedAfterReload = try await BuiltProduct.coordinator.run(["list-runs", "--url", url, "--token-file", alice]).status == 64
            if !refusedAfterReload { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(refusedAfterReload)
        let missing = try await BuiltProduct.coordinator.run(["tokens", "revoke", "--file", file, "--name", "alice"])
        #expect(missing.status != 0 && missing.stderr.contains("no token is named alice"))
        #expect(try await BuiltProduct.coordinator.run(["tokens", "list", "--file", file]).stdoutText == "gpu-node-1\tworker\n")
        coordinator.signal(SIGTERM)
        await coordinator.waitForExit()
    }
}
