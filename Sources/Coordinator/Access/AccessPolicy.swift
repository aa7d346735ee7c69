import Foundation

/// Who may call a route: the rule the role groups' middleware executes,
/// testable without a server.
///
/// - With tokens, a request needs `Authorization: Bearer TOKEN` naming a
///   listed token (401 otherwise) whose role allows the route's group (403
///   otherwise).
/// - Without tokens (the embedded default), every request is let through as
///   nobody in particular; the coordinator only starts so on loopback, or
///   when told `--insecure-no-auth` (`ListenPolicy`).
/// - `/metrics` may be opened to anyone by configuration (`openMetrics`).
struct AccessPolicy: Sendable {
    enum Mode: Sendable {
        case withoutTokens
        case tokens(TokenRegistry)
    }

    var mode: Mode
    var openMetrics: Bool

    /// No tokens, metrics behind nothing: the embedded default and what
    /// in-process tests get.
    static let withoutTokens = AccessPolicy(mode: .withoutTokens, openMetrics: false)

    enum Decision: Equatable, Sendable {
        /// Let through; the identity is nil without tokens.
        case allow(AccessIdentity?)
        /// No valid credential (401).
        case unauthenticated(String)
        /// A valid credential whose role does not allow the route (403).
        case forbidden(String)
    }

    /// The decision for a request to a route of `group`'s role with this
    /// `Authorization` header. `metrics` marks `GET /metrics`.
    func decide(authorization: String?, group: AccessRole, metrics: Bool = false) -> Decision {
        if metrics, openMetrics { return .allow(nil) }
        guard case .tokens(let registry) = mode else { return .allow(nil) }
        guard let authorization else {
            return .unauthenticated("this route needs a bearer token (Authorization: Bearer TOKEN)")
        }
        guard let token = Self.bearerToken(authorization) else {
            return .unauthenticated("the Authorization header must be \"Bearer TOKEN\"")
        }
        guard let identity = registry.identify(token: token) else {
            // Never echo the token or a hash of it: logs and clients see this.
            return .unauthenticated("the bearer token is not valid (unknown or revoked)")
        }
        guard identity.role.allows(group) else {
            let needed = group == .operator ? "the operator role" : "the \(group.rawValue) or the operator role"
            return .forbidden("\(identity.name) has the \(identity.role.rawValue) role; this route needs \(needed)")
        }
        return .allow(identity)
    }

    /// The token of a `Bearer` credential (the scheme is case-insensitive, RFC 9110).
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
