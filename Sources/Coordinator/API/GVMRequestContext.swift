import Hummingbird

/// The request context of every coordinator route: Hummingbird's core
/// storage (logger, path parameters, endpoint path) and its defaults for
/// body limits and coders, as `BasicRequestContext` has them. It is gvm's
/// own type so that role-based access control can add the caller's identity
/// here, for the role groups' middleware to set and check.
struct GVMRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage

    init(source: Source) {
        coreContext = .init(source: source)
    }
}
