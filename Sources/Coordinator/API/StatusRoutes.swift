import Foundation
import Hummingbird
import Shared

/// `GET /v1/status`: what operators read.
struct StatusRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v1/status") { _, _ in
            try JSONResponses.ok(try await store.status(now: Date()))
        }
    }
}
