import Hummingbird
import NIOCore

/// `GET /openapi.json`: the API's description (OpenAPIDocument), for
/// clients, generators and `make fuzz-api`.
struct OpenAPIRoutes<Context: RequestContext> {
    func addRoutes(to group: RouterGroup<Context>) {
        // Encoded once; every request answers the same bytes.
        let body = ByteBuffer(string: OpenAPIDocument.json)
        group.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
    }
}
