import Foundation
import Testing
import TestSupport

/// The processes the units start, started here the way systemd would start
/// them from the example configuration, and stopped the way systemd stops
/// them: SIGTERM, and SIGKILL once TimeoutStopSec has passed.
@Suite("the units' processes")
struct ServiceProcessTests {
    /// The unit's ExecStart arguments after the program.
    static func coordinatorArguments(config: URL) throws -> [String] {
        let exec = try #require(try Deployment.unit(Deployment.coordinatorUnit).value("ExecStart"))
        let words = exec.split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/bin/gvm-coordinator")
        return words.dropFirst().map { $0 == "/etc/gvm/coordinator.json" ? config.path : $0 }
    }

    /// coordinator.json.example, with the database moved into `directory`
    /// and a free port, which ExecStart cannot override.
    static func coordinatorConfig(in directory: TemporaryDirectory) throws -> URL {
        let data = try Data(contentsOf: Deployment.url("coordinator.json.example"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["db"] = directory.url.appendingPathComponent("gvm.sqlite").path
        object["port"] = 0
        let file = directory.url.appendingPathComponent("coordinator.json")
        try JSONSerialization.data(withJSONObject: object).write(to: file)
        return file
    }

    static func timeoutStop(_ name: String) throws -> Duration {
        let seconds = try #require(try Deployment.unit(name).value("TimeoutStopSec").flatMap(Deployment.seconds))
        return .milliseconds(Int(seconds * 1000))
    }

    /// Sends SIGTERM and returns the exit status and how long the exit took;
    /// nil status when the process outlived `limit`.
    static func stop(_ process: RunningProcess, limit: Duration) async -> (status: Int32?, took: Duration) {
        let start = ContinuousClock.now
        process.signal(SIGTERM)
        while process.isRunning && ContinuousClock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let took = ContinuousClock.now - start
        if process.isRunning {
            await process.kill9()
            return (nil, took)
        }
        return (await process.waitForExit(), took)
    }

    @Test("the coordinator starts from coordinator.json.example and exits 0 on SIGTERM well within TimeoutStopSec")
    func coordinatorStartsAndStops() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try Self.coordinatorConfig(in: directory)
        let coordinator = try RunningProcess(.coordinator, try Self.coordinatorArguments(config: config))
        let port = try await coordinator.listeningPort()
        #expect(coordinator.stdoutText.hasPrefix("listening on http://127.0.0.1:\(port)"))
        #expect(FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("gvm.sqlite").path))

        let limit = try Self.timeoutStop(Deployment.coordinatorUnit)
        let (status, took) = await Self.stop(coordinator, limit: limit)
        #expect(status == 0, "stderr:\n\(coordinator.stderrText)")
        #expect(took < limit / 2, "SIGTERM took \(took) of TimeoutStopSec=\(limit)")
    }

    @Test("gvm-worker accepts worker.json.example: the worker refuses unknown keys, so this checks every key")
    func workerExampleIsAccepted() async throws {
        // Every setting valid but one flag, which fails only after the file was read.
        let result = try await BuiltProduct.worker.run([
            "run", "--config", Deployment.url("worker.json.example").path,
            "--coordinator", "http://127.0.0.1:9", "--backend", "openai",
            "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--concurrency", "0",
        ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--concurrency must be between"), "stderr:\n\(result.stderr)")
        #expect(!result.stderr.contains("unknown setting"), "stderr:\n\(result.stderr)")
    }

    @Test("a worker started as gvm-worker@gpu0 would be, from worker.env.example, registers and exits 0 on SIGTERM within TimeoutStopSec")
    func workerStartsAndStops() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let coordinator = try RunningProcess(
            .coordinator, try Self.coordinatorArguments(config: try Self.coordinatorConfig(in: directory)))
        defer { coordinator.signal(SIGKILL) }
        let url = "http://127.0.0.1:\(try await coordinator.listeningPort())"

        // The example, pointed at this coordinator; the engine is never asked,
        // since there is no run to work on.
        let example = try Deployment.text("worker.env.example")
            .replacingOccurrences(of: "GVM_COORDINATOR=http://127.0.0.1:8420", with: "GVM_COORDINATOR=\(url)")
        #expect(example.contains(url))
        let unit = try Deployment.unit(Deployment.workerTemplate)
        let arguments = try ExecLine.expand(
            try #require(unit.value("ExecStart")),
            environment: try Deployment.workerEnvironment(unit: unit, environmentFile: example),
            hostName: Deployment.hostName, instance: "gpu0")
        #expect(arguments.first == "/usr/local/bin/gvm-worker")
        let worker = try RunningProcess(.worker, Array(arguments.dropFirst()))
        defer { worker.signal(SIGKILL) }

        // It shows up at the coordinator under %H-%i.
        let name = "\(Deployment.hostName)-gpu0"
        var registered = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !registered && ContinuousClock.now < deadline && worker.isRunning {
            let listed = try await BuiltProduct.coordinator.run(["list-workers", "--url", url])
            registered = listed.status == 0 && listed.stdoutText.contains("\"\(name)\"")
            if !registered { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(registered, "no worker \(name) at the coordinator; worker stderr:\n\(worker.stderrText)")

        let limit = try Self.timeoutStop(Deployment.workerTemplate)
        let (status, took) = await Self.stop(worker, limit: limit)
        #expect(status == 0, "worker stderr:\n\(worker.stderrText)")
        #expect(took < limit, "SIGTERM took \(took) of TimeoutStopSec=\(limit)")

        let (coordinatorStatus, _) = await Self.stop(coordinator, limit: try Self.timeoutStop(Deployment.coordinatorUnit))
        #expect(coordinatorStatus == 0, "coordinator stderr:\n\(coordinator.stderrText)")
    }
}
