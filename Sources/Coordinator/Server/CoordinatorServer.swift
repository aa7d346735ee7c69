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
        let metrics = CoordinatorMetrics()
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        StatusRoutes(store: store, metrics: metrics).register(on: router)
        DatasetRoutes(store: store).register(on: router)
        RunRoutes(store: store).register(on: router)
        RunControlRoutes(store: store).register(on: router)
        LeaseRoutes(store: store, metrics: metrics).register(on: router)
        WeightsRoutes(store: store).register(on: router)

        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "gvm-coordinator"),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? port)
            },
            logger: logger)
    }
}
