import Foundation
import Hummingbird
import Shared

/// `GET /v1/status` and `GET /metrics`: what operators and Prometheus read.
struct StatusRoutes<Context: RequestContext> {
    let store: any CoordinatorStore
    let metrics: CoordinatorMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v1/status") { _, _ in
            try JSONResponses.ok(try await store.status(now: Date()))
        }
        group.get("metrics") { _, _ in
            metrics.refresh(try await store.gauges(now: Date()))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
