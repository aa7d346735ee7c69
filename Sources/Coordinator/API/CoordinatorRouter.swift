import Hummingbird

/// The coordinator's router, built apart from the application so that tests
/// can run it in-process: error rendering for everything, then each route
/// in the group of its role, and `/healthz` in none.
enum CoordinatorRouter {
    static func build(store: any CoordinatorStore) -> Router<GVMRequestContext> {
        let router = Router(context: GVMRequestContext.self)
        // First, so that it wraps every route, every group's middleware and
        // the 404 of an unknown path.
        router.add(middleware: ErrorMiddleware())
        HealthRoutes().addRoutes(to: router.group())
        addRoutes(to: RoleGroups(on: router), store: store, metrics: CoordinatorMetrics())
        return router
    }

    /// Every route but `/healthz`, each in its role's group.
    static func addRoutes<Context: RequestContext>(
        to groups: RoleGroups<Context>, store: any CoordinatorStore, metrics: CoordinatorMetrics
    ) {
        LeaseRoutes(store: store, metrics: metrics).addRoutes(to: groups.workerRoutes)
        WeightsRoutes(store: store).addRoutes(to: groups.workerRoutes)

        DatasetImportRoutes(store: store).addRoutes(to: groups.operatorRoutes)
        RunCreationRoutes(store: store).addRoutes(to: groups.operatorRoutes)
        RunControlRoutes(store: store).addRoutes(to: groups.operatorRoutes)

        StatusRoutes(store: store, metrics: metrics).addRoutes(to: groups.readerRoutes)
        WorkersRoutes(store: store).addRoutes(to: groups.readerRoutes)
        DatasetListRoutes(store: store).addRoutes(to: groups.readerRoutes)
        RunReadRoutes(store: store).addRoutes(to: groups.readerRoutes)
        IterationWaitRoutes(store: store).addRoutes(to: groups.readerRoutes)
        OpenAPIRoutes().addRoutes(to: groups.readerRoutes)
    }
}
