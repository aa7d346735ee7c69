import Foundation
import Hummingbird
import Shared

/// `POST /v1/runs/{runId}/pause|resume|cancel|advance`: an operator changes
/// a run's course.
struct RunControlRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    struct AdvanceRequest: Decodable {
        var modelVersion: String
    }

    func addRoutes(to group: RouterGroup<Context>) {
        let runs = group.group("v1/runs")
        runs.post(":runId/pause") { _, context in
            try JSONResponses.ok(try await store.pause(runId: try PathParameter.wholeNumber("runId", in: context), now: Date()))
        }
        runs.post(":runId/resume") { _, context in
            try JSONResponses.ok(try await store.resume(runId: try PathParameter.wholeNumber("runId", in: context), now: Date()))
        }
        runs.post(":runId/cancel") { _, context in
            try JSONResponses.ok(try await store.cancel(runId: try PathParameter.wholeNumber("runId", in: context), now: Date()))
        }
        runs.post(":runId/advance") { request, context in
            let advance = try await JSONResponses.decode(AdvanceRequest.self, from: request)
            return try JSONResponses.ok(try await store.advance(
                runId: try PathParameter.wholeNumber("runId", in: context), modelVersion: advance.modelVersion, now: Date()))
        }
    }
}
