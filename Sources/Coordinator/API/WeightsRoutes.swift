import Foundation
import Hummingbird
import Shared

/// `GET /v1/runs/{runId}/weights/{version}`: a built-in run's weights file,
/// which workers fetch by the path in their leases.
struct WeightsRoutes<Context: RequestContext> {
    let store: any CoordinatorStore

    /// Carries the SHA-256 of the body, so a worker can check what it got
    /// against the hash in its lease before using it.
    /// (`HTTPFields.Element` is HTTPTypes' `HTTPField`, which Hummingbird
    /// does not re-export by name.)
    static var sha256Header: HTTPFields.Element.Name { HTTPFields.Element.Name("X-Gvm-Weights-SHA256")! }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get(RouterPath(WeightsPath.route)) { _, context in
            let runId = try PathParameter.wholeNumber("runId", in: context)
            let version = try PathParameter.text("version", in: context)
            let weights = try await store.weights(runId: runId, version: version)
            return Response(
                status: .ok,
                headers: [.contentType: "application/octet-stream", Self.sha256Header: weights.sha256],
                body: .init(byteBuffer: ByteBuffer(bytes: weights.bytes)))
        }
    }
}
