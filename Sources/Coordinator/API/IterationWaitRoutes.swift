import Foundation
import Hummingbird
import Shared

/// `GET /v1/runs/{runId}/iterations/{iteration}/wait`: holds the request
/// until the iteration is done, the run can no longer get there, or
/// ?timeoutSeconds= passes (IterationWait).
struct IterationWaitRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    /// The longest a wait request is held open. Kept short because a
    /// graceful shutdown waits for requests in flight; the CLI repeats it.
    static var maxWaitSeconds: Double { 20 }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v1/runs/:runId/iterations/:iteration/wait") { request, context in
            let runId = try PathParameter.wholeNumber("runId", in: context)
            let iteration = try PathParameter.wholeNumber("iteration", in: context)
            var timeout = Self.maxWaitSeconds
            if let text = request.uri.queryParameters["timeoutSeconds"] {
                guard let value = Double(String(text)), value.isFinite, value >= 0, value <= Self.maxWaitSeconds else {
                    throw RequestRefusal.invalid(field: "timeoutSeconds", "must be a number of seconds in 0...\(Int(Self.maxWaitSeconds))")
                }
                timeout = value
            }
            let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
            return try JSONResponses.ok(try await IterationWait(store: store).answer(
                runId: runId, iteration: iteration, deadline: deadline))
        }
    }
}
