import Foundation
import Shared
import Testing
import TestSupport

/// The whole service as operators run it: processes, HTTP, SQLite.
@Suite("End to end", .serialized)
struct IterationEndToEndTests {
    static func configuration(leaseSeconds: Double = 30) -> RunConfiguration {
        RunConfiguration(
            dataset: "math500", model: "double", strategy: .gvm, algorithm: .raft,
            presamples: 8, samplesPerPrompt: 8, promptsPerIteration: 20, iterations: 1,
            maxSamplesPerLease: 4, generation: GenerationParameters(maxTokens: 256, temperature: 1),
            seed: 3, leaseSeconds: leaseSeconds)
    }

    @Test("one gvm iteration on 20 MATH-500 prompts with two workers")
    func fullIteration() async throws {
        let double = try await OpenAITestDouble.start()
        let cluster = try await Cluster.start()
        defer { Task { await double.stop() } }
        let run = try await cluster.createRun(Self.configuration())
        #expect(run.stage == "presample")
        try cluster.startWorker(name: "worker-a", endpoint: double.baseURL)
        try cluster.startWorker(name: "worker-b", endpoint: double.baseURL)

        let status = try await cluster.waitUntilDone(runId: run.runId, iteration: 0)
        let finished = try #require(status.runs.first)
        #expect(finished.stage == "done" && finished.state == "completed")
        #expect(finished.progress.samplesDone == 160 && finished.progress.samplesTotal == 160)

        let prompts = try await cluster.prompts(runId: run.runId, iteration: 0)
        #expect(prompts.count == 20)
        // p_i and G_i are stored: 8 presamples each, G = 1 (constant mode) where any was accepted.
        for prompt in prompts {
            #expect(prompt.presample.samples == 8)
            #expect(prompt.presample.gradNormSum == Double(prompt.presample.accepted))
        }
        #expect(prompts.contains { $0.presample.accepted > 0 } && prompts.contains { $0.presample.accepted < 8 })
        let problems = try await cluster.checkFinishedIteration(runId: run.runId, iteration: 0, budget: 160, presamples: 8)
        #expect(problems.isEmpty, "\(problems)")
        // Both workers took part.
        #expect(status.workers.filter { $0.samplesSubmitted > 0 }.count == 2)
        await cluster.stopAll()
        for worker in cluster.workers { #expect(await worker.waitForExit() == 0, "\(worker.stderrText.suffix(2000))") }
    }

    @Test("a coordinator killed during the sample stage resumes on the same database and port")
    func coordinatorCrash() async throws {
        let double = try await OpenAITestDouble.start(options: .init(delay: .milliseconds(50)))
        let cluster = try await Cluster.start()
        defer { Task { await double.stop() } }
        let run = try await cluster.createRun(Self.configuration(leaseSeconds: 5))
        try cluster.startWorker(name: "worker-a", endpoint: double.baseURL)
        try cluster.startWorker(name: "worker-b", endpoint: double.baseURL)

        try await cluster.waitForStage(runId: run.runId, "sample", minimumDone: 8)
        try await cluster.crashAndRestartCoordinator()
        _ = try await cluster.waitUntilDone(runId: run.runId, iteration: 0)
        let problems = try await cluster.checkFinishedIteration(runId: run.runId, iteration: 0, budget: 160, presamples: 8)
        #expect(problems.isEmpty, "\(problems)")
        await cluster.stopAll()
    }

    @Test("a worker killed mid-lease has its work re-issued")
    func workerCrash() async throws {
        let double = try await OpenAITestDouble.start(options: .init(delay: .seconds(30)))
        let cluster = try await Cluster.start()
        defer { Task { await double.stop() } }
        let run = try await cluster.createRun(Self.configuration(leaseSeconds: 2))
        let doomed = try cluster.startWorker(name: "doomed", endpoint: double.baseURL)
        // Wait until the doomed worker holds leases (its engine never answers in time).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let status = try await cluster.getJSON("/v1/status", as: StatusView.self)
            if status.workers.contains(where: { $0.name == "doomed" && $0.activeLeases > 0 }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        await doomed.kill9()
        double.options = .init()
        try cluster.startWorker(name: "survivor", endpoint: double.baseURL)
        let status = try await cluster.waitUntilDone(runId: run.runId, iteration: 0)
        #expect(status.workers.first { $0.name == "doomed" }?.samplesSubmitted == 0)
        let problems = try await cluster.checkFinishedIteration(runId: run.runId, iteration: 0, budget: 160, presamples: 8)
        #expect(problems.isEmpty, "\(problems)")
        let traces = try await cluster.traces(runId: run.runId, iteration: 0)
        #expect(!traces.isEmpty)
        await cluster.stopAll()
    }
}
