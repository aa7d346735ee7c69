import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The coordinator's HTTP application: routes over a store, with JSON errors.
enum CoordinatorServer {
    static func makeApplication(
        store: any CoordinatorStore, host: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (String, Int) async -> Void
    ) -> some ApplicationProtocol {
        return Application(
            router: makeRouter(store: store),
            configuration: .init(address: .hostname(host, port: port), serverName: "gvm-coordinator"),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? port)
            },
            logger: logger)
    }

    /// Every route, on its own so that a test can list them
    /// (OpenAPIDescriptionTests compares them with /openapi.json).
    static func makeRouter(store: any CoordinatorStore) -> Router<BasicRequestContext> {
        let metrics = CoordinatorMetrics()
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        StatusRoutes(store: store, metrics: metrics).register(on: router)
        DatasetRoutes(store: store).register(on: router)
        RunRoutes(store: store).register(on: router)
        RunControlRoutes(store: store).register(on: router)
        LeaseRoutes(store: store, metrics: metrics).register(on: router)
        WeightsRoutes(store: store).register(on: router)
        OpenAPIRoutes().register(on: router)
        return router
    }
}
