import Foundation
import Hummingbird
import Shared

/// `/v1/runs`: create runs, read them, their per-prompt history and traces.
struct RunRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    /// Traces are read and written in pages of this many rows, so an export
    /// of any size holds one page in memory.
    static var exportPageSize: Int { 500 }

    func register(on router: Router<Context>) {
        let runs = router.group("v1/runs")
        runs.post { request, _ in
            let configuration = try await JSONResponses.decode(RunConfiguration.self, from: request)
            return try JSONResponses.ok(try await store.createRun(configuration, now: Date()), status: .created)
        }
        runs.get(":runId") { _, context in
            try JSONResponses.ok(try await store.run(id: try Self.integer("runId", context)))
        }
        runs.get(":runId/iterations/:iteration/prompts") { _, context in
            let records = try await store.promptStatistics(
                runId: try Self.integer("runId", context), iteration: try Self.integer("iteration", context))
            return try JSONResponses.ok(["prompts": records])
        }
        // JSONL, streamed page by page; ?stage=presample|sample filters.
        runs.get(":runId/iterations/:iteration/traces") { request, context in
            let runId = try Self.integer("runId", context)
            let iteration = try Self.integer("iteration", context)
            var stage: SamplingStage?
            if let name = request.uri.queryParameters["stage"] {
                guard let parsed = SamplingStage(rawValue: String(name)) else {
                    throw CoordinatorError.invalid(field: "stage", "must be presample or sample, got \(name)")
                }
                stage = parsed
            }
            // Fail before the 200 goes out if the run does not exist.
            let first = try await store.traces(runId: runId, iteration: iteration, stage: stage, afterId: 0, limit: Self.exportPageSize)
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
                            runId: runId, iteration: iteration, stage: stageFilter, afterId: last.traceId, limit: Self.exportPageSize)
                    }
                    try await writer.finish(nil)
                })
        }
    }

    static func integer(_ name: String, _ context: Context) throws -> Int {
        guard let text = context.parameters.get(name), let value = Int(text), value >= 0 else {
            throw CoordinatorError.invalid(field: name, "must be a whole number >= 0")
        }
        return value
    }
}
