import CurlHTTP
import Foundation
import Shared
import TestSupport

/// A real coordinator process on a SQLite file, real worker processes and an
/// OpenAI-compatible test double, all over loopback.
final class Cluster: @unchecked Sendable {
    let directory: URL
    let databasePath: String
    private(set) var coordinator: RunningProcess
    /// The port the coordinator first got; a restart reuses it.
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }
    let http: CurlHTTPClient
    private(set) var workers: [RunningProcess] = []

    static func start() async throws -> Cluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let databasePath = directory.appendingPathComponent("coordinator.sqlite").path
        let coordinator = try RunningProcess(.coordinator, ["serve", "--db", databasePath, "--port", "0"])
        let port = try await coordinator.listeningPort()
        return try Cluster(directory: directory, databasePath: databasePath, coordinator: coordinator, port: port)
    }

    private init(directory: URL, databasePath: String, coordinator: RunningProcess, port: Int) throws {
        self.directory = directory
        self.databasePath = databasePath
        self.coordinator = coordinator
        self.port = port
        http = try CurlHTTPClient()
    }

    /// Kills the coordinator with SIGKILL and starts it again on the same
    /// database and port, with `serveArguments` added to its command line.
    func crashAndRestartCoordinator(serveArguments: [String] = []) async throws {
        await coordinator.kill9()
        coordinator = try RunningProcess(.coordinator, ["serve", "--db", databasePath, "--port", String(port)] + serveArguments)
        _ = try await coordinator.listeningPort()
    }

    @discardableResult
    func startWorker(name: String, endpoint: String, model: String = "double", concurrency: Int = 2) throws -> RunningProcess {
        let worker = try RunningProcess(
            .worker,
            ["run", "--coordinator", url, "--backend", "openai", "--endpoint", endpoint, "--model", model,
             "--concurrency", String(concurrency), "--name", name],
            name: name)
        workers.append(worker)
        return worker
    }

    /// A worker on the built-in model: no endpoint, no model name.
    @discardableResult
    func startBuiltinWorker(name: String) throws -> RunningProcess {
        let worker = try RunningProcess(.worker, ["run", "--coordinator", url, "--backend", "builtin", "--name", name], name: name)
        workers.append(worker)
        return worker
    }

    /// Imports a JSONL file as a dataset through the CLI.
    func importDataset(name: String, file: URL) async throws {
        let imported = try await BuiltProduct.coordinator.run(["import-dataset", "--url", url, "--name", name, file.path])
        guard imported.status == 0 else { throw ProcessFailure("import-dataset failed: \(imported.stderr)") }
    }

    /// Imports the 20-prompt MATH-500 fixture and creates a run, both through the CLI.
    func createRun(_ configuration: RunConfiguration) async throws -> RunSummaryView {
        let imported = try await BuiltProduct.coordinator.run([
            "import-dataset", "--url", url, "--name", configuration.dataset,
            Fixtures.directory.appendingPathComponent("math500-20.jsonl").path,
        ])
        guard imported.status == 0 else { throw ProcessFailure("import-dataset failed: \(imported.stderr)") }
        let created = try await BuiltProduct.coordinator.run(
            ["create-run", "--url", url, "--config", "-"], input: try WireJSON.encoder().encode(configuration))
        guard created.status == 0 else { throw ProcessFailure("create-run failed: \(created.stderr)") }
        return try WireJSON.decoder().decode(RunSummaryView.self, from: created.stdout)
    }

    func get(_ path: String) async throws -> HTTPResponse {
        try await http.send(HTTPRequest(method: "GET", url: url + path, timeout: .seconds(30)))
    }

    func getJSON<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let response = try await get(path)
        guard response.status == 200 else {
            throw ProcessFailure("GET \(path): \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try WireJSON.decoder().decode(type, from: response.body)
    }

    func post(_ path: String, body: Data, contentType: String = "application/json") async throws -> HTTPResponse {
        try await http.send(HTTPRequest(
            method: "POST", url: url + path, headers: ["Content-Type": contentType], body: body, timeout: .seconds(30)))
    }

    /// Polls `/v1/status` until the run's iteration is done.
    func waitUntilDone(runId: Int, iteration: Int, timeout: Duration = .seconds(180)) async throws -> StatusView {
        let deadline = ContinuousClock.now + timeout
        var last: StatusView?
        while ContinuousClock.now < deadline {
            if let status = try? await getJSON("/v1/status", as: StatusView.self) {
                last = status
                if let run = status.runs.first(where: { $0.runId == runId }),
                   run.iteration > iteration || (run.iteration == iteration && run.stage == "done") {
                    return status
                }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ProcessFailure("""
            iteration \(iteration) of run \(runId) did not finish; last status: \(String(describing: last))
            coordinator stderr: \(coordinator.stderrText.suffix(3000))
            worker stderr: \(workers.map { $0.stderrText.suffix(2000) }.joined(separator: "\n---\n"))
            """)
    }

    /// Polls a run until it is `completed` or `timeout` passes; returns the
    /// run as last read.
    func waitUntilRunCompleted<Run: Decodable & Sendable>(
        runId: Int, as type: Run.Type, state: KeyPath<Run, String>, timeout: Duration = .seconds(240)
    ) async throws -> Run {
        let deadline = ContinuousClock.now + timeout
        var run = try await getJSON("/v1/runs/\(runId)", as: type)
        while run[keyPath: state] != "completed", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            run = try await getJSON("/v1/runs/\(runId)", as: type)
        }
        return run
    }

    func waitForStage(runId: Int, _ stage: String, minimumDone: Int = 0, timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = try? await getJSON("/v1/status", as: StatusView.self),
               let run = status.runs.first(where: { $0.runId == runId }),
               run.stage == stage, run.progress.samplesDone >= minimumDone {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure("run \(runId) never reached stage \(stage) with \(minimumDone) samples done")
    }

    func stopAll() async {
        for worker in workers { worker.signal(SIGTERM) }
        for worker in workers { await worker.waitForExit(timeout: .seconds(40)) }
        coordinator.signal(SIGTERM)
        await coordinator.waitForExit(timeout: .seconds(20))
        http.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The parts of the coordinator's answers the tests read, decoded
/// independently of the coordinator's own types.
struct RunSummaryView: Decodable {
    var runId: Int
    var state: String
    var stage: String
}

struct StatusView: Decodable, CustomStringConvertible {
    struct Progress: Decodable { var stage: String; var samplesDone: Int; var samplesTotal: Int }
    struct Run: Decodable { var runId: Int; var state: String; var iteration: Int; var stage: String; var progress: Progress; var fellBackToUniform: Bool }
    struct Worker: Decodable { var name: String; var activeLeases: Int; var samplesSubmitted: Int }
    var runs: [Run]
    var workers: [Worker]
    var description: String {
        runs.map { "run \($0.runId) \($0.state) it\($0.iteration) \($0.stage) \($0.progress.samplesDone)/\($0.progress.samplesTotal)" }
            .joined(separator: "; ")
    }
}

struct PromptRecordView: Decodable {
    struct Stats: Decodable { var samples: Int; var accepted: Int; var gradNormSum: Double; var gradNormSquareSum: Double }
    var batchIndex: Int
    var promptId: Int
    var presample: Stats
    var sample: Stats
    var allocatedCount: Int?
    var allocatedRatio: Double?
}

struct PromptsView: Decodable { var prompts: [PromptRecordView] }

struct TraceView: Decodable, Hashable {
    var runId: Int
    var iteration: Int
    var stage: String
    var promptId: Int
    var sampleIndex: Int
    var reward: Double
    var gradNorm: Double?
    var response: String
    var leaseId: String
}

extension Cluster {
    func traces(runId: Int, iteration: Int) async throws -> [TraceView] {
        let response = try await get("/v1/runs/\(runId)/iterations/\(iteration)/traces")
        guard response.status == 200 else { throw ProcessFailure("trace export: \(response.status)") }
        let decoder = WireJSON.decoder()
        return try response.body.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(TraceView.self, from: Data($0)) }
    }

    func prompts(runId: Int, iteration: Int) async throws -> [PromptRecordView] {
        try await getJSON("/v1/runs/\(runId)/iterations/\(iteration)/prompts", as: PromptsView.self).prompts
    }

    /// The invariants of a finished iteration: statistics match the traces,
    /// n_i sum to the budget, every sample counted exactly once.
    func checkFinishedIteration(runId: Int, iteration: Int, budget: Int, presamples: Int) async throws -> [String] {
        var problems: [String] = []
        let prompts = try await prompts(runId: runId, iteration: iteration)
        let traces = try await traces(runId: runId, iteration: iteration)
        let allocated = prompts.compactMap(\.allocatedCount)
        if allocated.count != prompts.count { problems.append("some prompts have no n_i") }
        if allocated.reduce(0, +) != budget { problems.append("n_i sum to \(allocated.reduce(0, +)), not \(budget)") }
        if Set(traces).count != traces.count { problems.append("duplicate traces") }
        let keys = traces.map { "\($0.stage)/\($0.promptId)/\($0.sampleIndex)" }
        if Set(keys).count != keys.count { problems.append("a sample index was recorded twice") }
        for prompt in prompts {
            if prompt.presample.samples != presamples {
                problems.append("prompt \(prompt.promptId): \(prompt.presample.samples) presamples, not \(presamples)")
            }
            if prompt.sample.samples != (prompt.allocatedCount ?? -1) {
                problems.append("prompt \(prompt.promptId): \(prompt.sample.samples) samples, allocated \(prompt.allocatedCount ?? -1)")
            }
            for (stage, stats) in [("presample", prompt.presample), ("sample", prompt.sample)] {
                let accepted = traces.filter { $0.stage == stage && $0.promptId == prompt.promptId && $0.reward > 0 }
                if accepted.count != stats.accepted {
                    problems.append("prompt \(prompt.promptId) \(stage): \(accepted.count) accepted traces, statistics say \(stats.accepted)")
                }
                let sum = accepted.reduce(0) { $0 + ($1.gradNorm ?? 0) }
                if abs(sum - stats.gradNormSum) > 1e-9 { problems.append("prompt \(prompt.promptId) \(stage): gradient norm sums differ") }
            }
        }
        return problems
    }
}
