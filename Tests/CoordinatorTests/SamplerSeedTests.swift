import Foundation
import Shared
import Testing
@testable import Coordinator

/// `samplerSeed`: the convergence benchmark's A/A control needs two runs that
/// see the same prompts and differ only in their samples.
@Suite("Sampler seed")
struct SamplerSeedTests {
    static func configuration(samplerSeed: Int?) -> RunConfiguration {
        var configuration = BatchedWorkQueueingTests.configuration(
            strategy: .uniform, presamples: 0, samplesPerPrompt: 4, maxSamplesPerLease: 2)
        configuration.samplerSeed = samplerSeed
        return configuration
    }

    @Test("another sampler seed keeps the prompts and their slices and changes every lease seed")
    func sameBatchesOtherSeeds() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let plain = Self.configuration(samplerSeed: nil)
        let offset = Self.configuration(samplerSeed: 12)
        let plainRun = try await harness.store.createRun(plain, now: Date())
        let offsetRun = try await harness.store.createRun(offset, now: Date())

        let plainBatch = try await harness.store.promptStatistics(runId: plainRun.runId, iteration: 0).map(\.promptId)
        let offsetBatch = try await harness.store.promptStatistics(runId: offsetRun.runId, iteration: 0).map(\.promptId)
        #expect(plainBatch == offsetBatch)

        let plainUnits = try await BatchedWorkQueueingTests.units(harness.store, runId: plainRun.runId)
        let offsetUnits = try await BatchedWorkQueueingTests.units(harness.store, runId: offsetRun.runId)
        #expect(offsetUnits == BatchedWorkQueueingTests.expectedUnits(
            stage: .sample, counts: offsetBatch.map { ($0, 4) }, configuration: offset))
        #expect(plainUnits.map(\.promptId) == offsetUnits.map(\.promptId))
        #expect(plainUnits.map(\.firstSampleIndex) == offsetUnits.map(\.firstSampleIndex))
        #expect(zip(plainUnits, offsetUnits).allSatisfy { $0.seed != $1.seed })
    }

    @Test("a sampler seed equal to the run seed changes nothing")
    func equalSeedIsTheDefault() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let plainRun = try await harness.store.createRun(Self.configuration(samplerSeed: nil), now: Date())
        let sameRun = try await harness.store.createRun(Self.configuration(samplerSeed: 11), now: Date())
        #expect(
            try await BatchedWorkQueueingTests.units(harness.store, runId: plainRun.runId)
                == BatchedWorkQueueingTests.units(harness.store, runId: sameRun.runId))
    }

    @Test("samplerSeed is optional, stays absent when stored again, and must be a whole number")
    func decoding() throws {
        let base = #"{"dataset": "d", "model": "m", "promptsPerIteration": 4"#
        let absent = try JSONDecoder().decode(RunConfiguration.self, from: Data((base + "}").utf8))
        #expect(absent.samplerSeed == nil && absent.leaseSeedBase == absent.seed)
        let stored = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(absent)) as! [String: Any]
        #expect(stored["samplerSeed"] == nil)

        let given = try JSONDecoder().decode(RunConfiguration.self, from: Data((base + #", "seed": 3, "samplerSeed": 1003}"#).utf8))
        #expect(given.seed == 3 && given.leaseSeedBase == 1003)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(RunConfiguration.self, from: Data((base + #", "samplerSeed": 1.5}"#).utf8))
        }
    }
}
