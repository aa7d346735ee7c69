import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The coordinator's HTTP application: the router (CoordinatorRouter) over a
/// store, on a host and port.
enum CoordinatorServer {
    static func makeApplication(
        store: any CoordinatorStore, host: String, port: Int, access: AccessPolicy = .withoutTokens,
        hosts: HostPolicy? = nil, tls: TLSConfiguration? = nil, logger: Logger,
        onListening: @escaping @Sendable (String, Int) async -> Void
    ) throws -> some ApplicationProtocol {
        return Application(
            router: CoordinatorRouter.build(store: store, access: access, hosts: hosts ?? HostPolicy(bound: host, listed: [])),
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "gvm-coordinator"),
            onServerRunning: { channel in
                await onListening(host, channel.localAddress?.port ?? port)
            },
            logger: logger)
    }
}
