import Hummingbird

/// One router group per role of the API, as the OpenAPI description tags
/// each operation, each with the `AccessMiddleware` of its role. Each group
/// sits on the router's root, so every route keeps its full path.
struct RoleGroups<Context: IdentifiedRequestContext> {
    /// The worker protocol: leases and weights.
    let workerRoutes: RouterGroup<Context>
    /// Creating and changing datasets and runs.
    let operatorRoutes: RouterGroup<Context>
    /// Reading state, changing nothing.
    let readerRoutes: RouterGroup<Context>
    /// `/metrics`: a reader route that configuration may open.
    let metricsRoutes: RouterGroup<Context>

    /// Middleware added to a group runs for the routes added to it later,
    /// so a caller that wants more adds it before `CoordinatorRouter.addRoutes`.
    init(on router: Router<Context>, access: AccessPolicy) {
        workerRoutes = router.group().add(middleware: AccessMiddleware(policy: access, group: .worker))
        operatorRoutes = router.group().add(middleware: AccessMiddleware(policy: access, group: .operator))
        readerRoutes = router.group().add(middleware: AccessMiddleware(policy: access, group: .reader))
        metricsRoutes = router.group().add(middleware: AccessMiddleware(policy: access, group: .reader, metrics: true))
    }
}
