import Foundation
import Hummingbird
import Shared

/// `/healthz`, `/v1/status` and `/metrics`: what operators and Prometheus read.
struct StatusRoutes<Context: RequestContext> {
    let store: any CoordinatorStore
    let metrics: CoordinatorMetrics

    func register(on router: Router<Context>) {
        router.get("healthz") { _, _ in
            try JSONResponses.ok(["status": "ok"])
        }
        router.get("v1/status") { _, _ in
            try JSONResponses.ok(try await store.status(now: Date()))
        }
        router.get("metrics") { _, _ in
            metrics.refresh(try await store.gauges(now: Date()))
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
