import Foundation
import Shared
import Testing
import TestSupport

/// Sampling until enough with real coordinator and worker processes: each
/// prompt's rounds follow its own results, within its cap, the unspent
/// budget is reported, and a coordinator SIGKILL in the middle of the rounds
/// loses and double-counts nothing.
@Suite("Rounds end to end", .serialized)
struct RoundsEndToEndTests {
    struct Record: Decodable {
        struct Stats: Decodable { var samples: Int; var accepted: Int }
        var promptId: Int
        var allocatedCount: Int?
        var sample: Stats
        var roundStop: String?
        var unspent: Int?
    }

    struct Prompts: Decodable { var prompts: [Record] }
    struct Summary: Decodable { var unspent: Int?; var samplesGenerated: Int }
    struct Export: Decodable { var unspentCounts: [Int]; var unspent: Int; var counts: [Int] }

    @Test("GRPO rounds with two workers and a coordinator SIGKILL mid-stage: every prompt stops where its own samples say")
    func roundsThroughACrash() async throws {
        let double = try await OpenAITestDouble.start(options: .init(delay: .milliseconds(30)))
        let cluster = try await Cluster.start()
        defer { Task { await double.stop() } }
        let rounds = SampleRounds(size: 4, correctTarget: 2, wrongTarget: 2)
        let run = try await cluster.createRun(RunConfiguration(
            dataset: "math500", model: "double", strategy: .uniform, algorithm: .grpo, samplesPerPrompt: 16,
            promptsPerIteration: 20, iterations: 1, maxSamplesPerLease: 4,
            generation: GenerationParameters(maxTokens: 256, temperature: 1), seed: 3, leaseSeconds: 5, rounds: rounds))
        try cluster.startWorker(name: "worker-a", endpoint: double.baseURL)
        try cluster.startWorker(name: "worker-b", endpoint: double.baseURL)
        try await cluster.waitForStage(runId: run.runId, "sample", minimumDone: 24)
        try await cluster.crashAndRestartCoordinator()
        _ = try await cluster.waitUntilDone(runId: run.runId, iteration: 0)

        let records = try await cluster.getJSON("/v1/runs/\(run.runId)/iterations/0/prompts", as: Prompts.self).prompts
        let traces = try await cluster.traces(runId: run.runId, iteration: 0)
        let keys = traces.map { "\($0.stage)/\($0.promptId)/\($0.sampleIndex)" }
        #expect(Set(keys).count == keys.count, "a sample was recorded twice")
        var unspent = 0
        for record in records {
            let cap = try #require(record.allocatedCount)
            // GRPO returns every sample with its reward: the prompt's samples in index order.
            let samples = traces.filter { $0.stage == "sample" && $0.promptId == record.promptId }.sorted { $0.sampleIndex < $1.sampleIndex }
            #expect(samples.map(\.sampleIndex) == Array(0..<samples.count), "prompt \(record.promptId): a gap or a repeat")
            #expect(record.sample.samples == samples.count && record.sample.accepted == samples.filter { $0.reward > 0 }.count)
            // The rules replayed on what the coordinator received.
            var progress = SampleRounds.Progress(drawn: 0, accepted: 0, wrong: 0)
            var next = rounds.firstRound(cap: cap)
            var stop = SampleRounds.Stop.cap
            while let size = next {
                for sample in samples[progress.drawn..<min(progress.drawn + size, samples.count)] {
                    if sample.reward > 0 { progress.accepted += 1 } else { progress.wrong += 1 }
                }
                progress.drawn += size
                switch rounds.decide(cap: cap, progress: progress) {
                case .next(let size): next = size
                case .stop(let reason): stop = reason; next = nil
                }
            }
            #expect(progress.drawn == samples.count && samples.count <= cap, "prompt \(record.promptId)")
            #expect(record.roundStop == stop.rawValue && record.unspent == cap - samples.count, "prompt \(record.promptId)")
            unspent += cap - samples.count
        }
        #expect(unspent > 0, "some prompts must stop early")
        let summary = try await cluster.getJSON("/v1/runs/\(run.runId)/iterations/0", as: Summary.self)
        #expect(summary.unspent == unspent && summary.samplesGenerated == 320 - unspent)
        let export = try JSONDecoder().decode(Export.self, from: try await cluster.get("/v1/runs/\(run.runId)/iterations/0/allocation").body)
        #expect(export.unspent == unspent && export.unspentCounts.reduce(0, +) == unspent)
        for record in records { #expect(export.unspentCounts[record.promptId] == record.unspent) }
        await cluster.stopAll()
    }
}
