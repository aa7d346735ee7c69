import Crypto
import Foundation
import Shared
import Testing
@testable import Coordinator

/// Who may call what, decided without a server.
@Suite("Access policy")
struct AccessPolicyTests {
    static func entry(_ name: String, _ role: AccessRole, token: String) -> AccessTokenEntry {
        AccessTokenEntry(name: name, role: role, digest: Array(SHA256.hash(data: Data(token.utf8))))
    }

    static let registry = TokenRegistry(AccessTokenFile(tokens: [
        entry("gpu-node-1", .worker, token: "worker-secret"),
        entry("alice", .operator, token: "operator-secret"),
        entry("grafana", .reader, token: "reader-secret"),
    ]))

    static let policy = AccessPolicy(mode: .tokens(registry), openMetrics: false)

    @Test("an operator may call every group; worker and reader only their own", arguments: AccessRole.allCases)
    func roles(group: AccessRole) {
        let tokens: [AccessRole: String] = [.worker: "worker-secret", .operator: "operator-secret", .reader: "reader-secret"]
        for (role, token) in tokens {
            let decision = Self.policy.decide(authorization: "Bearer \(token)", group: group)
            if role == .operator || role == group {
                guard case .allow(let identity?) = decision else {
                    Issue.record("\(role) on \(group): \(decision)")
                    continue
                }
                #expect(identity.role == role)
            } else {
                guard case .forbidden(let message) = decision else {
                    Issue.record("\(role) on \(group): \(decision)")
                    continue
                }
                #expect(message.contains(group.rawValue) && !message.contains(token))
            }
        }
    }

    @Test("no header, another scheme, an empty or unknown token are 401, naming neither token nor hash")
    func unauthenticated() {
        let unknown = "guess-1234"
        let unknownHash = SHA256.hash(data: Data(unknown.utf8)).lowercaseHex
        for header in [nil, "Basic d29ya2VyOnNlY3JldA==", "Bearer", "Bearer   ", "Bearer \(unknown)", "worker-secret"] {
            guard case .unauthenticated(let message) = Self.policy.decide(authorization: header, group: .reader) else {
                Issue.record("\(header ?? "no header") was let through")
                continue
            }
            #expect(!message.contains(unknown) && !message.contains(unknownHash) && !message.contains("secret"))
        }
    }

    @Test("the scheme is case-insensitive and the identity is the token's name")
    func identity() {
        #expect(Self.policy.decide(authorization: "bearer worker-secret", group: .worker)
            == .allow(AccessIdentity(name: "gpu-node-1", role: .worker)))
    }

    @Test("without tokens everything passes as nobody; open metrics pass without a token")
    func openModes() {
        #expect(AccessPolicy.withoutTokens.decide(authorization: nil, group: .operator) == .allow(nil))
        let openMetrics = AccessPolicy(mode: .tokens(Self.registry), openMetrics: true)
        #expect(openMetrics.decide(authorization: nil, group: .reader, metrics: true) == .allow(nil))
        #expect(openMetrics.decide(authorization: nil, group: .reader) != .allow(nil))
        #expect(Self.policy.decide(authorization: nil, group: .reader, metrics: true) != .allow(nil))
    }

    @Test("a reload swaps the list: a revoked token stops working, a new one starts")
    func reload() {
        let registry = TokenRegistry(AccessTokenFile(tokens: [Self.entry("old", .worker, token: "old-token")]))
        #expect(registry.identify(token: "old-token")?.name == "old")
        registry.replace(with: AccessTokenFile(tokens: [Self.entry("new", .worker, token: "new-token")]))
        #expect(registry.identify(token: "old-token") == nil)
        #expect(registry.identify(token: "new-token")?.name == "new")
    }

    @Test("constant-time comparison agrees with ==")
    func comparison() {
        #expect(TokenRegistry.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!TokenRegistry.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!TokenRegistry.constantTimeEqual([9, 2, 3], [1, 2, 3]))
        #expect(!TokenRegistry.constantTimeEqual([1, 2], [1, 2, 3]))
    }
}
