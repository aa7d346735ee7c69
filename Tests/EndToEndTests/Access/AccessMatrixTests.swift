import Foundation
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// Every route of the router, through a real coordinator process with
/// tokens: 401 without a token, 403 with a role that is not allowed, and
/// success with the route's own role. The rows come from the router's own
/// route list, so a route added later without a row fails here.
@Suite("Access: role by route matrix", .serialized)
struct AccessMatrixTests {
    typealias Identity = AccessCluster.Identity

    /// The role each route needs; nil for the open ones.
    static let roles: [String: AccessRole?] = [
        "GET /healthz": nil,
        "POST /v1/leases": .worker,
        "POST /v1/leases/{leaseId}/heartbeat": .worker,
        "POST /v1/leases/{leaseId}/result": .worker,
        "POST /v1/leases/{leaseId}/release": .worker,
        "GET /v1/runs/{runId}/weights/{version}": .worker,
        "POST /v1/datasets": .operator,
        "POST /v1/runs": .operator,
        "POST /v1/runs/{runId}/pause": .operator,
        "POST /v1/runs/{runId}/resume": .operator,
        "POST /v1/runs/{runId}/cancel": .operator,
        "POST /v1/runs/{runId}/advance": .operator,
        "GET /v1/status": .reader,
        "GET /v1/workers": .reader,
        "GET /v1/datasets": .reader,
        "GET /v1/runs": .reader,
        "GET /v1/runs/{runId}": .reader,
        "GET /v1/runs/{runId}/iterations": .reader,
        "GET /v1/runs/{runId}/iterations/{iteration}": .reader,
        "GET /v1/runs/{runId}/iterations/{iteration}/prompts": .reader,
        "GET /v1/runs/{runId}/iterations/{iteration}/allocation": .reader,
        "GET /v1/runs/{runId}/iterations/{iteration}/traces": .reader,
        "GET /v1/runs/{runId}/iterations/{iteration}/wait": .reader,
        "GET /v1/runs/{runId}/prompts/{promptId}/history": .reader,
        "GET /openapi.json": .reader,
        "GET /metrics": .reader,
    ]

    static func routeList() throws -> [String] {
        let directory = AccessCluster.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StoreFactory.open(path: directory.appendingPathComponent("routes.sqlite").path, maxDatabaseMiB: nil)
        return CoordinatorRouter.build(store: store).routes.map(\.description)
    }

    @Test("the matrix has one row per route of the router, and no row for a route that is gone")
    func everyRouteHasARow() throws {
        let routes = Set(try Self.routeList())
        #expect(routes.subtracting(Self.roles.keys).isEmpty, "routes without a row: \(routes.subtracting(Self.roles.keys).sorted())")
        #expect(Set(Self.roles.keys).subtracting(routes).isEmpty, "rows without a route: \(Set(Self.roles.keys).subtracting(routes).sorted())")
    }

    /// What the test sends for a route: the path with real ids, a body, and
    /// the answers that count as success for the allowed role.
    struct Call {
        var path: String
        var body: Data?
        var contentType = "application/json"
        var success: Set<Int> = [200]
    }

    /// Real objects for every route: a dataset, runs, leases of worker-a.
    struct World {
        var runId: Int
        var controlRunId: Int
        var leases: [Lease]
    }

    static func call(_ route: String, world: World, fresh: Int) throws -> Call {
        let method = route.split(separator: " ")[0]
        let pattern = route.split(separator: " ")[1]
        let lease = world.leases[fresh % world.leases.count]
        var path = String(pattern)
            .replacingOccurrences(of: "{leaseId}", with: lease.leaseId)
            .replacingOccurrences(of: "{version}", with: "0")
            .replacingOccurrences(of: "{iteration}", with: "0")
            .replacingOccurrences(of: "{promptId}", with: "0")
        let control = route.contains("/pause") || route.contains("/resume") || route.contains("/cancel") || route.contains("/advance")
        path = path.replacingOccurrences(of: "{runId}", with: String(control ? world.controlRunId : world.runId))
        switch route {
        case "POST /v1/leases":
            return Call(path: path, body: try WireJSON.encoder().encode(LeaseRequest(workerName: "matrix", model: "none", capacity: 1)))
        case "POST /v1/leases/{leaseId}/result":
            return Call(path: path, body: try WireJSON.encoder().encode(SimulatedWorker.result(for: lease)))
        case "POST /v1/leases/{leaseId}/release":
            return Call(path: path, body: try WireJSON.encoder().encode(LeaseRelease(reason: "matrix")), success: [200, 409])
        case "POST /v1/datasets":
            return Call(path: path + "?name=matrix\(fresh)", body: Data(#"{"problem":"1+1","answer":"2"}"#.utf8 + [10]),
                        contentType: "application/x-ndjson", success: [201])
        case "POST /v1/runs":
            let body = #"{"dataset":"math500","model":"double","strategy":"uniform","presamples":0,"samplesPerPrompt":2,"promptsPerIteration":2,"iterations":1}"#
            return Call(path: path, body: Data(body.utf8), success: [201])
        case "POST /v1/runs/{runId}/advance":
            // The run is not waiting for a version: 409 is the answer past access control.
            return Call(path: path, body: Data(#"{"modelVersion":"v1"}"#.utf8), success: [409])
        case "POST /v1/runs/{runId}/pause", "POST /v1/runs/{runId}/resume", "POST /v1/runs/{runId}/cancel":
            return Call(path: path, success: [200, 409])
        case "GET /v1/runs/{runId}/weights/{version}":
            // Not a built-in run: 404 is the answer past access control.
            return Call(path: path, success: [404])
        case "GET /v1/runs/{runId}/iterations/{iteration}/wait":
            return Call(path: path + "?timeoutSeconds=0")
        default:
            _ = method
            return Call(path: path)
        }
    }

    @Test("every route: 401 without a token, 403 with a role it does not allow, success with its own")
    func matrix() async throws {
        let cluster = try await AccessCluster.start()
        let runId = try await cluster.importAndCreateRun()
        let controlRunId = try await cluster.importAndCreateRun()
        let leases = try await cluster.lease(as: .workerA, capacity: 4)
        try #require(leases.count >= 2)
        let world = World(runId: runId, controlRunId: controlRunId, leases: leases)
        let holders: [AccessRole: Identity] = [.worker: .workerA, .operator: .alice, .reader: .grafana]

        for (index, route) in try Self.routeList().sorted().enumerated() {
            let method = String(route.split(separator: " ")[0])
            let call = try Self.call(route, world: world, fresh: index)
            guard let row = Self.roles[route] else {
                Issue.record("\(route) has no row")
                continue
            }
            guard let role = row else {
                let open = try await cluster.send(method, call.path, as: nil, body: call.body, contentType: call.contentType)
                #expect(open.status == 200, "\(route) without a token: \(open.status)")
                continue
            }
            let anonymous = try await cluster.send(method, call.path, as: nil, body: call.body, contentType: call.contentType)
            #expect(anonymous.status == 401, "\(route) without a token: \(anonymous.status)")
            #expect(anonymous.headers["www-authenticate"] == "Bearer", "\(route): \(anonymous.headers)")
            let wrongToken = try await cluster.send(
                method, call.path, as: nil, body: call.body, contentType: call.contentType,
                headers: ["Authorization": "Bearer not-a-token"])
            #expect(wrongToken.status == 401, "\(route) with an unknown token: \(wrongToken.status)")
            for (other, identity) in holders where other != role && other != .operator {
                let refused = try await cluster.send(method, call.path, as: identity, body: call.body, contentType: call.contentType)
                #expect(refused.status == 403, "\(route) as \(other): \(refused.status)")
                #expect(!String(decoding: refused.body, as: UTF8.self).contains(cluster.tokens[identity]!))
            }
            let allowed = try await cluster.send(method, call.path, as: holders[role]!, body: call.body, contentType: call.contentType)
            #expect(call.success.contains(allowed.status),
                    "\(route) as \(role): \(allowed.status) \(String(decoding: allowed.body, as: UTF8.self).prefix(300))")
            // The operator may call every route; lease calls are the holder's alone (identity test).
            if role != .operator, !route.contains("{leaseId}") {
                let again = try Self.call(route, world: world, fresh: index + 100)
                let operatorAnswer = try await cluster.send(method, again.path, as: .alice, body: again.body, contentType: again.contentType)
                #expect(again.success.contains(operatorAnswer.status), "\(route) as operator: \(operatorAnswer.status)")
            }
        }
        await cluster.stop()
    }

    @Test("openMetrics opens /metrics alone; everything else still needs a token")
    func openMetrics() async throws {
        let cluster = try await AccessCluster.start(config: ["openMetrics": true])
        #expect(try await cluster.send("GET", "/metrics", as: nil).status == 200)
        #expect(try await cluster.send("GET", "/v1/status", as: nil).status == 401)
        #expect(try await cluster.send("GET", "/healthz", as: nil).status == 200)
        await cluster.stop()
    }
}
