import Hummingbird

/// The coordinator's router, built apart from the application so that tests
/// can run it in-process: error rendering for everything, the request-shape
/// checks (Host, Content-Type), then each route in the group of its role,
/// and `/healthz` in none.
enum CoordinatorRouter {
    static func build(
        store: any CoordinatorStore, access: AccessPolicy = .withoutTokens, hosts: HostPolicy = .loopback
    ) -> Router<GVMRequestContext> {
        let router = Router(context: GVMRequestContext.self)
        // First, so that it wraps every route, every group's middleware and
        // the 404 of an unknown path.
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestShapeMiddleware(hosts: hosts))
        HealthRoutes().addRoutes(to: router.group())
        addRoutes(to: RoleGroups(on: router, access: access), store: store, metrics: CoordinatorMetrics())
        return router
    }

    /// Every route but `/healthz`, each in its role's group.
    static func addRoutes<Context: IdentifiedRequestContext>(
        to groups: RoleGroups<Context>, store: any CoordinatorStore, metrics: CoordinatorMetrics
    ) {
        LeaseRoutes(store: store, metrics: metrics).addRoutes(to: groups.workerRoutes)
        WeightsRoutes(store: store).addRoutes(to: groups.workerRoutes)

        DatasetImportRoutes(store: store).addRoutes(to: groups.operatorRoutes)
        RunCreationRoutes(store: store).addRoutes(to: groups.operatorRoutes)
        RunControlRoutes(store: store).addRoutes(to: groups.operatorRoutes)

        StatusRoutes(store: store).addRoutes(to: groups.readerRoutes)
        WorkersRoutes(store: store).addRoutes(to: groups.readerRoutes)
        DatasetListRoutes(store: store).addRoutes(to: groups.readerRoutes)
        RunReadRoutes(store: store).addRoutes(to: groups.readerRoutes)
        IterationWaitRoutes(store: store).addRoutes(to: groups.readerRoutes)
        OpenAPIRoutes().addRoutes(to: groups.readerRoutes)
        MetricsRoutes(store: store, metrics: metrics).addRoutes(to: groups.metricsRoutes)
    }
}
