import Foundation
import Hummingbird
import Shared

/// `POST /v1/runs`: create a run from its configuration.
struct RunCreationRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("v1/runs") { request, _ in
            let configuration = try await JSONResponses.decode(RunConfiguration.self, from: request)
            return try JSONResponses.ok(try await store.createRun(configuration, now: Date()), status: .created)
        }
    }
}
