import Foundation
import Hummingbird
import Shared

/// `GET /v1/workers`: the workers seen lately and what they hold.
struct WorkersRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v1/workers") { _, _ in
            try JSONResponses.ok(["workers": try await store.workers(now: Date())])
        }
    }
}
