import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The coordinator's HTTP application: the router (CoordinatorRouter) over a
/// store, on a host and port.
enum CoordinatorServer {
    static func makeApplication(
        store: any CoordinatorStore, host: String, port: Int, logger: Logger,
        onListening: @escaping @Sendable (String, Int) async -> Void
    ) -> some ApplicationProtocol {
        return Application(
            router: CoordinatorRouter.build(store: store),
            configuration: .init(address: .hostname(host, port: port), serverName: "gvm-coordinator"),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? port)
            },
            logger: logger)
    }
}
