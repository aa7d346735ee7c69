import Foundation
import Shared
import Testing
import TestSupport

/// The operator's read side: history, status, metrics and both exports.
@Suite("History, status, metrics and exports", .serialized)
struct HistoryAndExportTests {
    struct PromptFigures: Decodable {
        struct Stats: Decodable { var samples: Int; var accepted: Int; var gradNormSum: Double; var gradNormSquareSum: Double }
        var iteration: Int
        var promptId: Int
        var presample: Stats
        var sample: Stats
        var allocatedCount: Int?
        var allocatedRatio: Double?
        var acceptRate: Double?
        var meanGradNorm: Double?
        var rmsGradNorm: Double?
    }

    struct Prompts: Decodable { var prompts: [PromptFigures] }
    struct History: Decodable { var history: [PromptFigures] }

    struct FullStatus: Decodable {
        struct Summary: Decodable { var min: Double; var median: Double; var max: Double; var mean: Double }
        struct Allocation: Decodable { var min: Int; var median: Double; var max: Int; var promptsAtZero: Int; var fellBackToUniform: Bool }
        struct Run: Decodable { var runId: Int; var stage: String; var acceptance: Summary?; var allocation: Allocation? }
        struct Worker: Decodable { var name: String; var lastSeen: Date; var activeLeases: Int; var samplesPerSecond: Double }
        struct Throughput: Decodable { var samplesPerSecond: Double; var tokensPerSecond: Double }
        var runs: [Run]
        var workers: [Worker]
        var throughput: Throughput
    }

    struct AllocationFile: Decodable { var counts: [Int]; var ratios: [Double] }

    @Test("history, status, metrics and exports agree with what was taken")
    func readSide() async throws {
        let cluster = try await Cluster.start()
        var configuration = RunControlTests.configuration(advance: .auto)
        configuration.iterations = 1
        let run = try await cluster.createRun(configuration)
        let worker = SimulatedWorker(cluster: cluster)
        try await worker.drain()

        // Per iteration: p, mean and RMS norm from the presamples, n_i, accepted samples.
        let prompts = try await cluster.getJSON("/v1/runs/\(run.runId)/iterations/0/prompts", as: Prompts.self).prompts
        #expect(prompts.count == 3)
        for prompt in prompts {
            #expect(prompt.presample.samples == 4)
            let norms = (0..<4).filter { (prompt.promptId + $0) % 4 < 2 }.map { 1 + Double($0) / 10 }
            #expect(prompt.presample.accepted == norms.count)
            #expect(prompt.acceptRate == Double(norms.count) / 4)
            #expect(abs((prompt.meanGradNorm ?? -1) - norms.reduce(0, +) / Double(norms.count)) < 1e-12)
            #expect(abs((prompt.rmsGradNorm ?? -1) - (norms.map { $0 * $0 }.reduce(0, +) / Double(norms.count)).squareRoot()) < 1e-12)
            #expect(prompt.sample.samples == prompt.allocatedCount)
        }
        #expect(prompts.compactMap(\.allocatedCount).reduce(0, +) == 12)

        // Per prompt, across iterations.
        let first = prompts[0]
        let history = try await cluster.getJSON("/v1/runs/\(run.runId)/prompts/\(first.promptId)/history", as: History.self).history
        #expect(history.first?.iteration == 0 && history.first?.allocatedCount == first.allocatedCount)
        let cliHistory = try await BuiltProduct.coordinator.run(["history", "--url", cluster.url, "--run", "1", "--prompt", "\(first.promptId)"])
        #expect(cliHistory.status == 0 && cliHistory.stdoutText.contains("\"rmsGradNorm\""))

        // Allocation export: indexed by dataset position, 0 outside the iteration, equal to the stored n_i.
        let exportResponse = try await cluster.get("/v1/runs/\(run.runId)/iterations/0/allocation")
        let export = try JSONDecoder().decode(AllocationFile.self, from: exportResponse.body)
        #expect(export.counts.count == 20 && export.ratios.count == 20)
        for position in 0..<20 {
            let stored = prompts.first { $0.promptId == position }
            #expect(export.counts[position] == (stored?.allocatedCount ?? 0))
            #expect(export.ratios[position] == (stored?.allocatedRatio ?? 0))
        }
        let cliExport = try await BuiltProduct.coordinator.run(["export-allocation", "--url", cluster.url, "--run", "1", "--iteration", "0"])
        #expect(cliExport.status == 0)
        #expect(try JSONDecoder().decode(AllocationFile.self, from: cliExport.stdout).counts == export.counts)

        // Trace export: grouped by prompt, filterable by stage, the same through the CLI.
        let traces = try await cluster.traces(runId: run.runId, iteration: 0)
        let keys = traces.map { "\($0.stage)/\($0.promptId)/\($0.sampleIndex)" }
        #expect(keys == keys.sorted { a, b in
            let x = a.split(separator: "/"), y = b.split(separator: "/")
            return (x[0], Int(x[1])!, Int(x[2])!) < (y[0], Int(y[1])!, Int(y[2])!)
        })
        let cliTraces = try await BuiltProduct.coordinator.run(
            ["export-traces", "--url", cluster.url, "--run", "1", "--iteration", "0", "--stage", "sample"])
        #expect(cliTraces.status == 0)
        let sampleLines = cliTraces.stdout.split(separator: UInt8(ascii: "\n")).count
        #expect(sampleLines == traces.filter { $0.stage == "sample" }.count)
        #expect(sampleLines == prompts.reduce(0) { $0 + $1.sample.accepted })

        // Status: summaries, workers and throughput.
        let status = try await cluster.getJSON("/v1/status", as: FullStatus.self)
        let current = try #require(status.runs.first)
        #expect(current.acceptance != nil)
        let iterations = try await BuiltProduct.coordinator.run(["list-iterations", "--url", cluster.url, "--run", "1"])
        #expect(iterations.status == 0 && iterations.stdoutText.contains("\"promptsAtZero\""))
        #expect(status.workers.first?.name == "simulated")
        #expect(status.throughput.samplesPerSecond == Double(12 + 12) / 60)
        #expect(status.throughput.tokensPerSecond == Double(7 * 24) / 60)
        #expect(status.workers.first?.samplesPerSecond == Double(24) / 60)

        // Metrics: counters where the events happened, gauges from the store.
        let metrics = String(decoding: try await cluster.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("gvm_samples_generated_total 24"), "\(metrics)")
        let accepted = prompts.reduce(0) { $0 + $1.presample.accepted + $1.sample.accepted }
        #expect(metrics.contains("gvm_samples_accepted_total \(accepted)"))
        #expect(metrics.contains("gvm_tokens_generated_total 168"))
        #expect(metrics.contains(#"gvm_runs{state="completed"} 1"#))
        #expect(metrics.contains("gvm_leases_active 0"))
        #expect(metrics.contains("gvm_submission_duration_seconds"))
        let workers = try await BuiltProduct.coordinator.run(["list-workers", "--url", cluster.url])
        #expect(workers.status == 0 && workers.stdoutText.contains("samplesPerSecond"))
        let runs = try await BuiltProduct.coordinator.run(["list-runs", "--url", cluster.url])
        #expect(runs.status == 0 && runs.stdoutText.contains("\"runId\" : 1"))
        await cluster.stopAll()
    }
}
