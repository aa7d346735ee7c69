import Foundation

/// Which `Host` headers the coordinator answers: loopback names, the address
/// it binds (unless a wildcard), and the names configuration lists
/// (`allowedHosts`). Refusing the rest stops DNS rebinding: a page on
/// attacker.example whose name now resolves to the coordinator still sends
/// `Host: attacker.example`.
struct HostPolicy: Equatable, Sendable {
    /// Lower-case host names and addresses, without ports or brackets.
    private(set) var allowed: Set<String>

    init(bound host: String, listed: [String]) {
        var allowed: Set<String> = ["localhost", "::1"]
        let bound = Self.normalized(host)
        if !["0.0.0.0", "::", ""].contains(bound) { allowed.insert(bound) }
        // A listed "name:port" means the name: the port is the coordinator's own.
        for name in listed { allowed.insert(Self.hostPart(of: name)) }
        self.allowed = allowed
    }

    /// Loopback only, as in-process tests and a default coordinator have it.
    static let loopback = HostPolicy(bound: "127.0.0.1", listed: [])

    /// Whether a request with this `Host` header is answered. A request
    /// without one (HTTP/1.0) cannot come from a browser, so it passes.
    func allows(hostHeader: String?) -> Bool {
        guard let hostHeader else { return true }
        let host = Self.hostPart(of: hostHeader)
        return allowed.contains(host) || Self.isLoopback(host)
    }

    /// The host of a `Host` header: without the port, IPv6 brackets removed.
    static func hostPart(of header: String) -> String {
        let value = header.trimmingCharacters(in: .whitespaces).lowercased()
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if let colon = value.lastIndex(of: ":"), value.firstIndex(of: ":") == colon {
            return String(value[..<colon])
        }
        return value
    }

    static func normalized(_ host: String) -> String {
        var value = host.trimmingCharacters(in: .whitespaces).lowercased()
        if value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
        return value
    }

    /// 127.0.0.0/8, ::1 and localhost: the names that cannot be rebound
    /// from outside the machine.
    static func isLoopback(_ host: String) -> Bool {
        let host = normalized(host)
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
