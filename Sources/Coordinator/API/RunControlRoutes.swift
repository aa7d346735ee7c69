import Foundation
import Hummingbird
import Shared

/// `/v1/runs/{runId}/pause|resume|cancel|advance` and the iteration wait.
struct RunControlRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    struct AdvanceRequest: Decodable {
        var modelVersion: String
    }

    /// The longest a wait request is held open. Kept short because a
    /// graceful shutdown waits for requests in flight; the CLI repeats it.
    static var maxWaitSeconds: Double { 20 }

    func register(on router: Router<Context>) {
        let runs = router.group("v1/runs")
        runs.post(":runId/pause") { _, context in
            try JSONResponses.ok(try await store.pause(runId: try RunRoutes<Context>.integer("runId", context), now: Date()))
        }
        runs.post(":runId/resume") { _, context in
            try JSONResponses.ok(try await store.resume(runId: try RunRoutes<Context>.integer("runId", context), now: Date()))
        }
        runs.post(":runId/cancel") { _, context in
            try JSONResponses.ok(try await store.cancel(runId: try RunRoutes<Context>.integer("runId", context), now: Date()))
        }
        runs.post(":runId/advance") { request, context in
            let advance = try await JSONResponses.decode(AdvanceRequest.self, from: request)
            return try JSONResponses.ok(try await store.advance(
                runId: try RunRoutes<Context>.integer("runId", context), modelVersion: advance.modelVersion, now: Date()))
        }
        // Holds the request until the iteration is done, the run can no
        // longer get there, or ?timeoutSeconds= passes (default and most 20).
        runs.get(":runId/iterations/:iteration/wait") { request, context in
            let runId = try RunRoutes<Context>.integer("runId", context)
            let iteration = try RunRoutes<Context>.integer("iteration", context)
            var timeout = Self.maxWaitSeconds
            if let text = request.uri.queryParameters["timeoutSeconds"] {
                guard let value = Double(String(text)), value.isFinite, value >= 0, value <= Self.maxWaitSeconds else {
                    throw CoordinatorError.invalid(field: "timeoutSeconds", "must be a number of seconds in 0...\(Int(Self.maxWaitSeconds))")
                }
                timeout = value
            }
            let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
            return try JSONResponses.ok(try await IterationWait(store: store).answer(
                runId: runId, iteration: iteration, deadline: deadline))
        }
        router.get("v1/workers") { _, _ in
            try JSONResponses.ok(["workers": try await store.workers(now: Date())])
        }
    }
}
