import Hummingbird

/// `GET /healthz`: liveness for supervisors and load balancers. It goes on
/// a group of no role, so access control on the role groups never hides it.
struct HealthRoutes<Context: RequestContext> {
    func addRoutes(to group: RouterGroup<Context>) {
        group.get("healthz") { _, _ in
            try JSONResponses.ok(["status": "ok"])
        }
    }
}
