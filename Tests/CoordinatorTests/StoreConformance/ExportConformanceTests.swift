import Foundation
import Shared
import Testing
@testable import Coordinator

/// The allocation export and the trace pages: what they hold, their order,
/// and 404 for an iteration that does not exist.
@Suite("Store conformance: exports")
struct ExportConformanceTests {
    @Test("the allocation export lists every prompt's n_i and ratio by prompt, with the iteration's budget figures",
          arguments: StoreEngine.all)
    func allocationExport(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration())
        try await harness.drain()
        let export = try await harness.store.allocationExport(runId: run.runId, iteration: 0)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0).sorted { $0.promptId < $1.promptId }
        #expect(export.datasetSize == 20)
        #expect(export.allocated.map { $0.promptId } == records.map(\.promptId))
        #expect(export.allocated.map { $0.count } == records.map { $0.allocatedCount ?? -1 })
        #expect(export.allocated.map { $0.ratio } == records.map { $0.allocatedRatio ?? -1 })
        #expect(export.allocated.reduce(0) { $0 + $1.count } == 160)
        let summary = try #require(try await harness.store.iteration(runId: run.runId, number: 0))
        #expect(export.budget == summary.budget && export.unallocated == summary.unallocated)
        #expect(export.generationBudget == summary.generationBudget)
    }

    @Test("trace pages follow each other by cursor in (stage, prompt, sample) order, and a stage filter keeps that stage",
          arguments: StoreEngine.all)
    func tracePages(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration())
        try await harness.drain()
        let all = try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 10_000)
        let records = try await harness.store.promptStatistics(runId: run.runId, iteration: 0)
        #expect(all.count == records.reduce(0) { $0 + $1.presample.accepted + $1.sample.accepted })
        let keys = all.map { ($0.stage.rawValue, $0.promptId, $0.sampleIndex) }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
        #expect(Set(all.map(\.stage)) == [.presample, .sample])

        var paged: [TraceRecord] = []
        var cursor: TraceCursor?
        while true {
            let page = try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: cursor, limit: 7)
            #expect(page.count <= 7)
            guard let last = page.last else { break }
            paged += page
            cursor = TraceCursor(last)
        }
        #expect(paged == all)

        let samples = try await harness.store.traces(runId: run.runId, iteration: 0, stage: .sample, after: nil, limit: 10_000)
        #expect(samples == all.filter { $0.stage == .sample })
    }

    @Test("the trace export of an iteration that does not exist is 404, as the other exports are", arguments: StoreEngine.all)
    func missingIteration(engine: StoreEngine) async throws {
        let (harness, run) = try await StoreConformanceHarness.withRun(engine, StoreFixtures.configuration())
        await #expect(throws: RequestRefusal.notFound("run \(run.runId) has no iteration 7")) {
            try await harness.store.traces(runId: run.runId, iteration: 7, stage: nil, after: nil, limit: 10)
        }
        await #expect(throws: RequestRefusal.notFound("run \(run.runId) has no iteration 7")) {
            try await harness.store.allocationExport(runId: run.runId, iteration: 7)
        }
        #expect(try await harness.store.traces(runId: run.runId, iteration: 0, stage: nil, after: nil, limit: 10).isEmpty)
    }
}
