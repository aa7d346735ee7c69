/// Whether the coordinator may start as configured, and how loudly. Without
/// tokens anyone who reaches the port can do everything, so that is only
/// allowed on loopback, or when the operator says `--insecure-no-auth`
/// (behind a proxy that authenticates, on a closed network).
enum ListenPolicy: Equatable {
    /// Tokens are configured: every route but the open ones needs one.
    case tokens
    /// No tokens on a loopback address: the embedded default; warn.
    case withoutTokensOnLoopback
    /// No tokens on another address, as asked: warn loudly.
    case withoutTokensInsecure
    /// No tokens on another address, not asked for: refuse to start (64).
    case refused(String)

    static func decide(host: String, tokensConfigured: Bool, insecureNoAuth: Bool) -> ListenPolicy {
        if tokensConfigured { return .tokens }
        if HostPolicy.isLoopback(host) { return .withoutTokensOnLoopback }
        if insecureNoAuth { return .withoutTokensInsecure }
        return .refused(
            "--host \(host) is not a loopback address and no tokens are configured (--tokens or \"tokensFile\"): "
                + "anyone who reaches the port could do everything. Configure tokens, or pass --insecure-no-auth "
                + "(insecureNoAuth in --config) if something in front of the coordinator authenticates")
    }

    /// What the coordinator logs at start, if anything.
    var warning: String? {
        switch self {
        case .tokens, .refused: nil
        case .withoutTokensOnLoopback:
            "no tokens configured: every request from this machine is accepted, as any role (loopback only)"
        case .withoutTokensInsecure:
            "no tokens configured and --insecure-no-auth given: every request that reaches the port is accepted, as any role"
        }
    }
}
