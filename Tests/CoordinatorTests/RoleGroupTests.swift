import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Shared
import Synchronization
import Testing
@testable import Coordinator

/// The routes sit in one router group per role, so middleware put on one
/// group (as access control will) runs for that role's routes only.
@Suite("Role groups")
struct RoleGroupTests {
    /// The paths a middleware saw, shared with the test that reads them.
    final class PathLog: Sendable {
        let paths = Mutex<[String]>([])
    }

    /// Records the path of every request it sees, then lets it through.
    struct RecordingMiddleware<Context: RequestContext>: RouterMiddleware {
        let log: PathLog

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            log.paths.withLock { $0.append(request.uri.path) }
            return try await next(request, context)
        }
    }

    /// Answers with its role's name instead of the route.
    struct RoleAnswerMiddleware<Context: RequestContext>: RouterMiddleware {
        let role: String

        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: role)))
        }
    }

    /// The coordinator's router as `CoordinatorRouter.build` lays it out,
    /// with `configure` adding middleware to the groups first.
    static func router(store: any CoordinatorStore, configure: (RoleGroups<GVMRequestContext>) -> Void) -> Router<GVMRequestContext> {
        let router = Router(context: GVMRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        HealthRoutes().addRoutes(to: router.group())
        let groups = RoleGroups(on: router, access: .withoutTokens)
        configure(groups)
        CoordinatorRouter.addRoutes(to: groups, store: store, metrics: CoordinatorMetrics())
        return router
    }

    @Test("middleware on the worker group runs for the worker routes and for no other")
    func workerMiddleware() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let log = PathLog()
        let router = Self.router(store: harness.store) { $0.workerRoutes.add(middleware: RecordingMiddleware(log: log)) }
        let leaseRequest = try InProcessRouter.json(LeaseRequest(workerName: "w1", model: "test-model", capacity: 1))

        let leaseId = try await InProcessRouter.test(router) { client in
            let grant = try await client.execute(uri: "/v1/leases", method: .post, body: leaseRequest) { response in
                try InProcessRouter.decode(LeaseGrant.self, response)
            }
            let lease = try #require(grant.leases.first)
            _ = try await client.execute(uri: "/v1/leases/\(lease.leaseId)/heartbeat", method: .post)
            // Reader, operator and health routes, answered as usual.
            for (uri, method) in [
                ("/v1/status", HTTPRequest.Method.get), ("/v1/runs/\(run.runId)", .get), ("/v1/workers", .get),
                ("/v1/runs/\(run.runId)/pause", .post), ("/healthz", .get),
            ] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .ok, "\(method) \(uri)")
                }
            }
            return lease.leaseId
        }
        #expect(log.paths.withLock { $0 } == ["/v1/leases", "/v1/leases/\(leaseId)/heartbeat"])
    }

    @Test("every route is in the group of the role its OpenAPI tag names; /healthz is in none")
    func groupsFollowTags() async throws {
        let harness = try StoreHarness()
        let router = Self.router(store: harness.store) { groups in
            groups.workerRoutes.add(middleware: RoleAnswerMiddleware(role: "worker"))
            groups.operatorRoutes.add(middleware: RoleAnswerMiddleware(role: "operator"))
            groups.readerRoutes.add(middleware: RoleAnswerMiddleware(role: "reader"))
            groups.metricsRoutes.add(middleware: RoleAnswerMiddleware(role: "reader"))
        }
        let tags = try OpenAPIDescriptionTests.describedOperations().mapValues { ($0["tags"] as? [String])?.first }
        try await InProcessRouter.test(router) { client in
            for (name, tag) in tags {
                let parts = name.split(separator: " ")
                let method = try #require(HTTPRequest.Method(rawValue: String(parts[0])))
                // Any value fits a parameter: the role's middleware answers first.
                let uri = String(parts[1]).replacing(/\{\w+\}/, with: "1")
                try await client.execute(uri: uri, method: method) { response in
                    let answer = String(buffer: response.body)
                    if uri == "/healthz" {
                        // Liveness needs no identity, so it sits outside every role group.
                        #expect(answer == #"{"status":"ok"}"# + "\n")
                    } else {
                        #expect(answer == tag, "\(name) answered \(answer), tagged \(tag ?? "nothing")")
                    }
                }
            }
        }
    }
}
