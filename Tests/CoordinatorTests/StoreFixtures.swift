import Foundation
import Shared
import TestSupport
@testable import Coordinator

/// The run configuration and the worker's results that the store tests share,
/// whichever harness holds the store: none of it depends on an engine.
enum StoreFixtures {
    static func configuration(
        strategy: AllocationStrategyName = .gvm, algorithm: TrainingAlgorithm = .raft,
        prompts: Int = 20, iterations: Int = 1, maxSamplesPerLease: Int = 4, leaseSeconds: Double = 60
    ) -> RunConfiguration {
        RunConfiguration(
            dataset: "math500", model: "test-model", strategy: strategy, algorithm: algorithm,
            presamples: 8, samplesPerPrompt: 8, promptsPerIteration: prompts, iterations: iterations,
            maxSamplesPerLease: maxSamplesPerLease, seed: 11, leaseSeconds: leaseSeconds)
    }

    /// Whether sample `index` of `promptId` is accepted: a fixed pattern that
    /// gives prompts different acceptance rates, some zero.
    static func accepts(promptId: Int, sampleIndex: Int) -> Bool {
        let rate = promptId % 5  // 0...4 of every 4 samples
        return sampleIndex % 4 < rate
    }

    static func result(for lease: Lease) -> LeaseResult {
        var samples: [SampleResult] = []
        for k in 0..<lease.sampleCount {
            let index = lease.firstSampleIndex + k
            let accepted = accepts(promptId: lease.promptId, sampleIndex: index)
            if accepted || lease.algorithm == .grpo {
                samples.append(SampleResult(
                    sampleIndex: index, response: "response \(lease.promptId)/\(index) \\boxed{x}",
                    reward: accepted ? 1 : 0, gradNorm: accepted ? 1 + Double(lease.promptId % 3) : nil,
                    completionTokens: 10 + k, finishReason: .stop))
            }
        }
        return LeaseResult(generated: lease.sampleCount, samples: samples)
    }

    static func importMath500(into store: any CoordinatorStore, name: String = "math500") async throws -> DatasetSummary {
        let parsed = try DatasetParser.parse(
            name: name, jsonl: try Fixtures.data("math500-20.jsonl"), options: DatasetImportOptions())
        return try await store.importDataset(parsed, now: Date())
    }

    /// Leases and completes work until none is left; returns how many leases it took.
    @discardableResult
    static func drain(_ store: any CoordinatorStore, worker: String = "w1", now: Date = Date()) async throws -> Int {
        var completed = 0
        while true {
            let leases = try await store.grantLeases(
                LeaseRequest(workerName: worker, model: "test-model", capacity: 64), now: now)
            if leases.isEmpty { return completed }
            for lease in leases {
                _ = try await store.submit(leaseId: lease.leaseId, result: result(for: lease), now: now)
                completed += 1
            }
        }
    }
}
