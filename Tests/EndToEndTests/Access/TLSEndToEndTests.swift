import Foundation
import Testing
import TestSupport

/// HTTPS with a throwaway CA made by `openssl` at run time: the worker and
/// the CLI trust the coordinator only through `--ca-file`, and refuse a
/// wrong host name and an untrusted CA.
@Suite("Access: TLS", .serialized)
struct TLSEndToEndTests {
    /// A CA, and a server certificate for DNS:localhost only, so that
    /// https://127.0.0.1 is a wrong name; and a second CA that signed nothing.
    struct ThrowawayPKI {
        let directory: URL
        var caFile: String { directory.appendingPathComponent("ca.pem").path }
        var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }
        var certificate: String { directory.appendingPathComponent("server.pem").path }
        var key: String { directory.appendingPathComponent("server.key").path }

        static func make(in directory: URL) throws -> ThrowawayPKI {
            let pki = ThrowawayPKI(directory: directory)
            let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
            try openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=gvm test CA"], in: directory)
            try openssl(["req", "-x509"] + ec + ["-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=other CA"], in: directory)
            try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"], in: directory)
            try Data("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
                .write(to: directory.appendingPathComponent("server.ext"))
            try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                         "-out", "server.pem", "-days", "2", "-extfile", "server.ext"], in: directory)
            return pki
        }

        private static func openssl(_ arguments: [String], in directory: URL) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            process.currentDirectoryURL = directory
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw ProcessFailure("openssl \(arguments.joined(separator: " ")) failed") }
        }
    }

    @Test("the CLI and the worker work with the CA's --ca-file, and refuse a wrong name or an untrusted CA")
    func throwawayCA() async throws {
        let directory = AccessCluster.temporaryDirectory()
        let pki = try ThrowawayPKI.make(in: directory)
        let cluster = try await AccessCluster.start(
            serveArguments: ["--tls-certificate", pki.certificate, "--tls-key", pki.key], scheme: "https", host: "localhost",
            caFile: pki.caFile, directory: directory)
        #expect(cluster.coordinator.stdoutText.hasPrefix("listening on https://"))
        let runId = try await cluster.importAndCreateRun()

        // The CLI.
        let trusted = try await BuiltProduct.coordinator.run(
            ["show-run", "--url", cluster.url, "--run", String(runId), "--ca-file", pki.caFile, "--token-file", cluster.tokenFile(.grafana)])
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdoutText.contains("\"runId\""))
        let wrongName = try await BuiltProduct.coordinator.run(
            ["list-runs", "--url", "https://127.0.0.1:\(cluster.port)", "--ca-file", pki.caFile, "--token-file", cluster.tokenFile(.grafana)])
        #expect(wrongName.status != 0)
        #expect(wrongName.stderr.lowercased().contains("certificate") || wrongName.stderr.contains("SSL"), "\(wrongName.stderr)")
        let untrusted = try await BuiltProduct.coordinator.run(
            ["list-runs", "--url", cluster.url, "--ca-file", pki.otherCAFile, "--token-file", cluster.tokenFile(.grafana)])
        #expect(untrusted.status != 0)
        #expect(untrusted.stderr.lowercased().contains("certificate"), "\(untrusted.stderr)")
        let systemTrust = try await BuiltProduct.coordinator.run(
            ["list-runs", "--url", cluster.url, "--token-file", cluster.tokenFile(.grafana)])
        #expect(systemTrust.status != 0, "a throwaway CA is not in the system's trust store")

        // The worker: trusted, it takes a lease (and so appears among the workers); refused, it never does.
        func worker(_ name: String, url: String, caFile: String) throws -> RunningProcess {
            try RunningProcess(
                .worker,
                ["run", "--coordinator", url, "--ca-file", caFile, "--token-file", cluster.tokenFile(.workerA),
                 "--backend", "openai", "--endpoint", "http://127.0.0.1:9/v1", "--model", "double", "--name", name])
        }
        let good = try worker("tls-trusted", url: cluster.url, caFile: pki.caFile)
        let misnamed = try worker("tls-wrong-name", url: "https://127.0.0.1:\(cluster.port)", caFile: pki.caFile)
        let stranger = try worker("tls-untrusted", url: cluster.url, caFile: pki.otherCAFile)
        var workers = ""
        for _ in 0..<200 where !workers.contains("tls-trusted") {
            try await Task.sleep(for: .milliseconds(100))
            workers = String(decoding: try await cluster.send("GET", "/v1/workers", as: .grafana).body, as: UTF8.self)
        }
        #expect(workers.contains("tls-trusted"))
        try await Task.sleep(for: .seconds(2))
        workers = String(decoding: try await cluster.send("GET", "/v1/workers", as: .grafana).body, as: UTF8.self)
        #expect(!workers.contains("tls-wrong-name") && !workers.contains("tls-untrusted"), "\(workers)")
        for refused in [misnamed, stranger] {
            #expect(refused.stderrText.lowercased().contains("certificate"), "\(refused.stderrText.suffix(600))")
        }
        for process in [good, misnamed, stranger] { process.signal(SIGTERM) }
        for process in [good, misnamed, stranger] { await process.waitForExit(timeout: .seconds(20)) }
        await cluster.stop()
    }
}
