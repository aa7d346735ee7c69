import Hummingbird

/// One router group per role of the API, as the OpenAPI description tags
/// each operation: what role-based access control puts its middleware on.
/// Each group sits on the router's root, so every route keeps its full path.
struct RoleGroups<Context: RequestContext> {
    /// The worker protocol: leases and weights.
    let workerRoutes: RouterGroup<Context>
    /// Creating and changing datasets and runs.
    let operatorRoutes: RouterGroup<Context>
    /// Reading state, changing nothing.
    let readerRoutes: RouterGroup<Context>

    /// Middleware added to a group runs for the routes added to it later,
    /// so a caller that wants some adds it before `CoordinatorRouter.addRoutes`.
    init(on router: Router<Context>) {
        workerRoutes = router.group()
        operatorRoutes = router.group()
        readerRoutes = router.group()
    }
}
