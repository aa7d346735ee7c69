import Hummingbird

/// Executes the `AccessPolicy` for one role group: lets the request through
/// with the caller's identity in its context, or refuses it (401, 403).
struct AccessMiddleware<Context: IdentifiedRequestContext>: RouterMiddleware {
    let policy: AccessPolicy
    let group: AccessRole
    /// The group of `/metrics`, which configuration may open to anyone.
    var metrics = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch policy.decide(authorization: request.headers[.authorization], group: group, metrics: metrics) {
        case .allow(let identity):
            var context = context
            context.identity = identity
            return try await next(request, context)
        case .unauthenticated(let message):
            throw RequestRefusal.unauthenticated(message)
        case .forbidden(let message):
            throw RequestRefusal.forbidden(message)
        }
    }
}
