import Foundation
import Hummingbird
import Shared

/// `GET /v1/runs/...`: runs, their iterations, per-prompt history,
/// allocations and traces, read and never changed.
struct RunReadRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    /// Traces are read and written in pages of this many rows, so an export
    /// of any size holds one page in memory.
    static var exportPageSize: Int { 500 }

    func addRoutes(to group: RouterGroup<Context>) {
        let runs = group.group("v1/runs")
        runs.get { _, _ in
            try JSONResponses.ok(["runs": try await store.runs()])
        }
        runs.get(":runId") { _, context in
            try JSONResponses.ok(try await store.run(id: try PathParameter.wholeNumber("runId", in: context)))
        }
        runs.get(":runId/iterations") { _, context in
            try JSONResponses.ok(["iterations": try await store.iterations(runId: try PathParameter.wholeNumber("runId", in: context))])
        }
        runs.get(":runId/iterations/:iteration") { _, context in
            let runId = try PathParameter.wholeNumber("runId", in: context)
            let iteration = try PathParameter.wholeNumber("iteration", in: context)
            guard let summary = try await store.iteration(runId: runId, number: iteration) else {
                throw RequestRefusal.notFound("run \(runId) has no iteration \(iteration)")
            }
            return try JSONResponses.ok(summary)
        }
        runs.get(":runId/prompts/:promptId/history") { _, context in
            let history = try await store.promptHistory(
                runId: try PathParameter.wholeNumber("runId", in: context),
                promptId: try PathParameter.wholeNumber("promptId", in: context))
            return try JSONResponses.ok(["history": history])
        }
        runs.get(":runId/iterations/:iteration/prompts") { _, context in
            let records = try await store.promptStatistics(
                runId: try PathParameter.wholeNumber("runId", in: context),
                iteration: try PathParameter.wholeNumber("iteration", in: context))
            return try JSONResponses.ok(["prompts": records])
        }
        runs.get(":runId/iterations/:iteration/allocation") { _, context in
            let export = try await store.allocationExport(
                runId: try PathParameter.wholeNumber("runId", in: context),
                iteration: try PathParameter.wholeNumber("iteration", in: context))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: Self.allocationBody(export))
        }
        // JSONL, streamed page by page; ?stage=presample|sample filters.
        runs.get(":runId/iterations/:iteration/traces") { request, context in
            let runId = try PathParameter.wholeNumber("runId", in: context)
            let iteration = try PathParameter.wholeNumber("iteration", in: context)
            var stage: SamplingStage?
            if let name = request.uri.queryParameters["stage"] {
                guard let parsed = SamplingStage(rawValue: String(name)) else {
                    throw RequestRefusal.invalid(field: "stage", "must be presample or sample, got \(name)")
                }
                stage = parsed
            }
            // Fail before the 200 goes out if the run does not exist.
            let first = try await store.traces(runId: runId, iteration: iteration, stage: stage, after: nil, limit: Self.exportPageSize)
            let store = self.store
            let stageFilter = stage
            return Response(
                status: .ok, headers: [.contentType: "application/x-ndjson"],
                body: ResponseBody { writer in
                    let encoder = WireJSON.encoder()
                    var page = first
                    while !page.isEmpty {
                        var buffer = ByteBuffer()
                        for trace in page {
                            buffer.writeBytes(try encoder.encode(trace))
                            buffer.writeInteger(UInt8(ascii: "\n"))
                        }
                        try await writer.write(buffer)
                        guard page.count == Self.exportPageSize, let last = page.last else { break }
                        page = try await store.traces(
                            runId: runId, iteration: iteration, stage: stageFilter, after: TraceCursor(last), limit: Self.exportPageSize)
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// `{"counts":[...],"ratios":[...],"presampleCounts":[...],"budget":N,
    /// "unallocated":U,"generationBudget":G}` over the whole dataset, written
    /// in chunks: 0 for prompts outside the iteration. G is null before the
    /// allocation. Runs with history statistics add `posteriorA`,
    /// `posteriorB` and `gradNormEstimates`, null outside the iteration; runs
    /// in rounds add `unspentCounts` and the total `unspent`.
    static func allocationBody(_ export: AllocationExport) -> ResponseBody {
        let columns = AllocationExport.Column.allCases.filter { $0.isWritten(in: export) }
        return ResponseBody { writer in
            let chunk = 8192
            for (index, field) in columns.enumerated() {
                var buffer = ByteBuffer(string: (index == 0 ? "{" : "],") + "\"\(field.rawValue)\":[")
                var next = 0
                for position in 0..<export.datasetSize {
                    var value = field.absent
                    if next < export.allocated.count, export.allocated[next].promptId == position {
                        value = field.value(of: export.allocated[next])
                        next += 1
                    }
                    buffer.writeString(position == 0 ? value : "," + value)
                    if buffer.readableBytes >= chunk {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                try await writer.write(buffer)
            }
            let generation = export.generationBudget.map(String.init) ?? "null"
            let unspent = export.unspent.map { ",\"unspent\":\($0)" } ?? ""
            try await writer.write(ByteBuffer(
                string: "],\"budget\":\(export.budget),\"unallocated\":\(export.unallocated),\"generationBudget\":\(generation)\(unspent)}\n"))
            try await writer.finish(nil)
        }
    }
}
