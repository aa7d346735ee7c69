import Hummingbird
import NIOCore

/// `GET /openapi.json`: the API's description (OpenAPIDocument), for
/// clients, generators and `make fuzz-api`.
struct OpenAPIRoutes<Context: RequestContext> {
    func register(on router: Router<Context>) {
        // Encoded once; every request answers the same bytes.
        let body = ByteBuffer(string: OpenAPIDocument.json)
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
        }
    }
}
