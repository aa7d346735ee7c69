import Testing
@testable import Coordinator

/// The Host and Content-Type rules that keep browsers out, and the start-up rule.
@Suite("Request shape and listen rules")
struct RequestShapeRulesTests {
    @Test("loopback names, the bound address and listed names pass; others are refused")
    func hosts() {
        let policy = HostPolicy(bound: "10.0.0.5", listed: ["gvm.example.org"])
        for host in ["localhost:8420", "127.0.0.1:8420", "127.5.6.7", "[::1]:8420", "::1", "10.0.0.5:8420",
                     "GVM.example.org", "gvm.example.org:443", nil] as [String?] {
            #expect(policy.allows(hostHeader: host), "\(host ?? "no Host")")
        }
        for host in ["attacker.example", "attacker.example:8420", "10.0.0.6", "127.0.0.1.attacker.example",
                     "localhost.attacker.example", "[::2]:8420", ""] {
            #expect(!policy.allows(hostHeader: host), "\(host)")
        }
        #expect(!HostPolicy(bound: "0.0.0.0", listed: []).allows(hostHeader: "0.0.0.0"))
        // Listed with a port, or as a bracketed IPv6 address: the name is what counts.
        let withPorts = HostPolicy(bound: "0.0.0.0", listed: ["gvm.example.org:8420", "[fd00::5]:8420", "10.0.0.7"])
        for host in ["gvm.example.org:8420", "gvm.example.org", "[fd00::5]:8420", "10.0.0.7:8420"] {
            #expect(withPorts.allows(hostHeader: host), "\(host)")
        }
        #expect(!withPorts.allows(hostHeader: "gvm.example.org.attacker.example"))
    }

    @Test("a POST body needs JSON (or NDJSON for datasets); a POST without one carries none or JSON")
    func contentTypes() {
        let refused: [(String, String?, Bool)] = [
            ("/v1/runs/1/cancel", "text/plain", true), ("/v1/runs/1/cancel", "text/plain", false),
            ("/v1/runs", nil, true), ("/v1/runs", "application/x-www-form-urlencoded", true),
            ("/v1/runs", "multipart/form-data; boundary=x", true), ("/v1/runs", "application/x-ndjson", true),
            ("/v1/datasets", "text/plain", true), ("/v1/leases/x/heartbeat", "application/x-www-form-urlencoded", false),
        ]
        for (path, type, body) in refused {
            #expect(ContentTypeRule.refusal(method: "POST", path: path, contentType: type, hasBody: body) != nil,
                    "\(path) \(type ?? "none") body \(body)")
        }
        let accepted: [(String, String?, Bool)] = [
            ("/v1/runs", "application/json", true), ("/v1/runs", "Application/JSON; charset=utf-8", true),
            ("/v1/datasets", "application/x-ndjson", true), ("/v1/datasets", "application/json", true),
            ("/v1/runs/1/cancel", nil, false), ("/v1/runs/1/cancel", "application/json", false),
        ]
        for (path, type, body) in accepted {
            #expect(ContentTypeRule.refusal(method: "POST", path: path, contentType: type, hasBody: body) == nil,
                    "\(path) \(type ?? "none") body \(body)")
        }
        #expect(ContentTypeRule.refusal(method: "GET", path: "/v1/runs", contentType: "text/plain", hasBody: false) == nil)
    }

    @Test("without tokens the coordinator starts only on loopback, or when told it is insecure")
    func listening() {
        #expect(ListenPolicy.decide(host: "127.0.0.1", tokensConfigured: false, insecureNoAuth: false) == .withoutTokensOnLoopback)
        #expect(ListenPolicy.decide(host: "localhost", tokensConfigured: false, insecureNoAuth: false) == .withoutTokensOnLoopback)
        #expect(ListenPolicy.decide(host: "::1", tokensConfigured: false, insecureNoAuth: false) == .withoutTokensOnLoopback)
        guard case .refused(let reason) = ListenPolicy.decide(host: "0.0.0.0", tokensConfigured: false, insecureNoAuth: false) else {
            Issue.record("a wildcard host without tokens started")
            return
        }
        #expect(reason.contains("--insecure-no-auth") && reason.contains("0.0.0.0"))
        #expect(ListenPolicy.decide(host: "0.0.0.0", tokensConfigured: false, insecureNoAuth: true) == .withoutTokensInsecure)
        #expect(ListenPolicy.decide(host: "0.0.0.0", tokensConfigured: true, insecureNoAuth: false) == .tokens)
        #expect(ListenPolicy.tokens.warning == nil && ListenPolicy.withoutTokensInsecure.warning != nil)
    }

    @Test("a lease is only its holder's: nobody's leases for callers without tokens, named ones for their name")
    func owning() {
        #expect(LeaseRules.owning(leaseId: "l", holder: nil, caller: nil) == nil)
        #expect(LeaseRules.owning(leaseId: "l", holder: "a", caller: "a") == nil)
        #expect(LeaseRules.owning(leaseId: "l", holder: "a", caller: "b") == .otherIdentity(leaseId: "l"))
        #expect(LeaseRules.owning(leaseId: "l", holder: "a", caller: nil) == .otherIdentity(leaseId: "l"))
        #expect(LeaseRules.owning(leaseId: "l", holder: nil, caller: "a") == .otherIdentity(leaseId: "l"))
        #expect(LeaseRefusal.otherIdentity(leaseId: "l").error.kind == .forbidden)
    }
}
