import Foundation
import Hummingbird
import Shared

/// `GET /v1/datasets`: the imported prompt sets.
struct DatasetListRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v1/datasets") { _, _ in
            try JSONResponses.ok(["datasets": try await store.datasets()])
        }
    }
}
