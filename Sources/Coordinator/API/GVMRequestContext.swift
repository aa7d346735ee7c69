import Hummingbird

/// A request context that carries the caller's identity, which the role
/// groups' `AccessMiddleware` sets and the lease routes pass to the store.
protocol IdentifiedRequestContext: RequestContext {
    /// The valid token's identity; nil without tokens (and on open routes).
    var identity: AccessIdentity? { get set }
}

/// The request context of every coordinator route: Hummingbird's core
/// storage (logger, path parameters, endpoint path) and its defaults for
/// body limits and coders, as `BasicRequestContext` has them, plus the
/// caller's identity.
struct GVMRequestContext: IdentifiedRequestContext {
    var coreContext: CoreRequestContextStorage
    var identity: AccessIdentity?

    init(source: Source) {
        coreContext = .init(source: source)
    }
}
