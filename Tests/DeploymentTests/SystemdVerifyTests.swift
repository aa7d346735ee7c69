import Foundation
import Testing
import TestSupport

/// `systemd-analyze verify` on the units, pointed at the built binaries:
/// verify checks that ExecStart's program exists and is executable.
@Suite("systemd-analyze verify")
struct SystemdVerifyTests {
    /// The unit's text with the installed binaries' paths replaced by the
    /// built ones and EnvironmentFile= moved into `directory`.
    static func rewritten(_ name: String, environmentFiles directory: URL) throws -> String {
        var text = try Deployment.text(name)
        for binary in Deployment.installedBinaries {
            text = text.replacingOccurrences(of: binary.installed, with: binary.built.url.path)
        }
        text = text.replacingOccurrences(
            of: "EnvironmentFile=/etc/gvm/", with: "EnvironmentFile=\(directory.path)/")
        return text
    }

    /// Settings that still name an installed path (comments do not count).
    static func unrewritten(_ text: String) throws -> [String] {
        try UnitFile(text: text).entries.filter { $0.value.contains("/usr/local/") }.map { "\($0.key)=\($0.value)" }
    }

    static func systemdAnalyze() throws -> URL {
        try #require(
            ExternalCommand.find("systemd-analyze"),
            "systemd-analyze is not installed, so the units cannot be verified: install the Debian package systemd (make test's deps does)")
    }

    /// Runs verify on `files`; fails on a non-zero status and on any line of
    /// stderr that names one of them, and shows stderr either way.
    static func verify(_ files: [URL], in directory: TemporaryDirectory) async throws {
        let result = try await ExternalCommand.run(
            try systemdAnalyze(), ["verify", "--man=no"] + files.map(\.path), in: directory)
        let names = files.map(\.lastPathComponent)
        let complaints = result.stderr.split(separator: "\n").filter { line in
            line.contains(directory.url.path) || names.contains { line.contains($0) }
        }
        #expect(result.status == 0, "systemd-analyze verify exited \(result.status); stderr:\n\(result.stderr)")
        #expect(complaints.isEmpty, "systemd-analyze verify warned about the units:\n\(result.stderr)")
    }

    @Test("the built binaries exist, for the units to point at")
    func builtBinaries() {
        for binary in Deployment.installedBinaries {
            #expect(FileManager.default.isExecutableFile(atPath: binary.built.url.path), "\(binary.built.url.path)")
        }
    }

    @Test("gvm-coordinator.service verifies")
    func coordinator() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = try Self.rewritten(Deployment.coordinatorUnit, environmentFiles: directory.url)
        let left = try Self.unrewritten(text)
        #expect(left.isEmpty, "paths left unrewritten: \(left)")
        let unit = try directory.write(text, to: Deployment.coordinatorUnit)
        try await Self.verify([unit], in: directory)
    }

    @Test("gvm-worker@.service verifies, as the template and as the instance gvm-worker@gpu0.service")
    func worker() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write(try Deployment.text("worker.env.example"), to: "worker-gpu0.env")
        let text = try Self.rewritten(Deployment.workerTemplate, environmentFiles: directory.url)
        let left = try Self.unrewritten(text)
        #expect(left.isEmpty, "paths left unrewritten: \(left)")
        #expect(text.contains("EnvironmentFile=\(directory.url.path)/worker-%i.env"))
        let template = try directory.write(text, to: Deployment.workerTemplate)
        let instance = try directory.write(text, to: "gvm-worker@gpu0.service")
        try await Self.verify([template, instance], in: directory)
    }

    @Test("verify does catch a unit whose binary is missing, so the tests above mean something")
    func catchesMissingBinary() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.url.appendingPathComponent("no-such-binary").path
        let text = try Deployment.text(Deployment.coordinatorUnit)
            .replacingOccurrences(of: "/usr/local/bin/gvm-coordinator", with: missing)
        let unit = try directory.write(text, to: Deployment.coordinatorUnit)
        let result = try await ExternalCommand.run(
            try Self.systemdAnalyze(), ["verify", "--man=no", unit.path], in: directory)
        #expect(result.status != 0)
        #expect(result.stderr.contains("no-such-binary"), "stderr:\n\(result.stderr)")
    }
}
