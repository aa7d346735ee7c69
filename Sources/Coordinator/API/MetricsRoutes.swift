import Foundation
import Hummingbird

/// `GET /metrics`: what Prometheus scrapes. A group of its own, so that
/// configuration can open it without opening the rest of the reader routes.
struct MetricsRoutes<Context: RequestContext> {
    let store: any CoordinatorStore
    let metrics: CoordinatorMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("metrics") { _, _ in
            metrics.refresh(try await store.gauges(now: Date()))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
