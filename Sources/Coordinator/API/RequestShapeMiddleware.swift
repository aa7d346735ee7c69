import Hummingbird

/// Refuses what only a browser tricked by another site would send, before
/// any route or credential is looked at: a `Host` the coordinator does not
/// answer to (`HostPolicy`, 403) and a POST body in a media type the route
/// does not take (`ContentTypeRule`, 415).
struct RequestShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: HostPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HTTP/1's Host header arrives as the request's authority.
        let host = request.head.authority
        guard hosts.allows(hostHeader: host) else {
            throw RequestRefusal.forbidden(
                field: "Host",
                "this coordinator does not answer to \(HostPolicy.hostPart(of: host ?? "")); "
                    + "list the name in allowedHosts if it is its own")
        }
        let hasBody = request.headers[.transferEncoding] != nil
            || (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0
        if let refusal = ContentTypeRule.refusal(
            method: request.method.rawValue, path: request.uri.path,
            contentType: request.headers[.contentType], hasBody: hasBody)
        {
            throw RequestRefusal.unsupportedMediaType(refusal)
        }
        return try await next(request, context)
    }
}
