import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// Every route's happy path through the real router, in-process, over a
/// real SQLite store.
@Suite("Coordinator router, in-process")
struct CoordinatorRouterTests {
    /// The operations the tests below exercise, as "METHOD /path/{param}".
    static let exercised: Set<String> = [
        "GET /healthz", "GET /openapi.json", "GET /v1/status", "GET /metrics", "GET /v1/workers",
        "POST /v1/datasets", "GET /v1/datasets",
        "POST /v1/runs", "GET /v1/runs", "GET /v1/runs/{runId}", "GET /v1/runs/{runId}/iterations",
        "GET /v1/runs/{runId}/iterations/{iteration}", "GET /v1/runs/{runId}/iterations/{iteration}/wait",
        "GET /v1/runs/{runId}/iterations/{iteration}/prompts", "GET /v1/runs/{runId}/prompts/{promptId}/history",
        "GET /v1/runs/{runId}/iterations/{iteration}/allocation", "GET /v1/runs/{runId}/iterations/{iteration}/traces",
        "POST /v1/runs/{runId}/pause", "POST /v1/runs/{runId}/resume", "POST /v1/runs/{runId}/cancel",
        "POST /v1/runs/{runId}/advance",
        "POST /v1/leases", "POST /v1/leases/{leaseId}/heartbeat", "POST /v1/leases/{leaseId}/result",
        "POST /v1/leases/{leaseId}/release", "GET /v1/runs/{runId}/weights/{version}",
    ]

    @Test("the tests here exercise every route the router has")
    func everyRouteExercised() throws {
        #expect(try OpenAPIDescriptionTests.routedOperations() == Self.exercised)
    }

    /// A store with math500 imported and one small run, its first iteration drained.
    static func storeWithDrainedRun() async throws -> (StoreHarness, runId: Int) {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        try await harness.drain()
        return (harness, run.runId)
    }

    @Test("POST /v1/datasets imports the body; GET /v1/datasets lists it")
    func datasets() async throws {
        let harness = try StoreHarness()
        let jsonl = try Fixtures.data("math500-20.jsonl")
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/datasets?name=math500", method: .post, headers: [.contentType: "application/x-ndjson"], body: ByteBuffer(bytes: jsonl)) { response in
                #expect(response.status == .created)
                let summary = try InProcessRouter.object(response)
                #expect(summary["name"] as? String == "math500" && summary["promptCount"] as? Int == 20)
            }
            try await client.execute(uri: "/v1/datasets", method: .get) { response in
                #expect(response.status == .ok)
                let datasets = try #require(try InProcessRouter.object(response)["datasets"] as? [[String: Any]])
                #expect(datasets.map { $0["name"] as? String } == ["math500"])
            }
        }
    }

    @Test("POST /v1/runs creates a run from its configuration")
    func createRun() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let body = try InProcessRouter.json(StoreFixtures.configuration(prompts: 2))
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/runs", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .created)
                let run = try InProcessRouter.object(response)
                #expect(run["runId"] as? Int == 1 && run["state"] as? String == "active")
            }
        }
    }

    /// The reads of a run, each with the content type it answers and a key
    /// its JSON object has (nil: the body is not one object).
    static let runReads: [(path: String, contentType: String, key: String?)] = [
        ("/v1/runs", "application/json", "runs"),
        ("/v1/runs/{run}", "application/json", "runId"),
        ("/v1/runs/{run}/iterations", "application/json", "iterations"),
        ("/v1/runs/{run}/iterations/0", "application/json", "stage"),
        ("/v1/runs/{run}/iterations/0/prompts", "application/json", "prompts"),
        ("/v1/runs/{run}/prompts/0/history", "application/json", "history"),
        ("/v1/runs/{run}/iterations/0/allocation", "application/json", "counts"),
        ("/v1/runs/{run}/iterations/0/wait?timeoutSeconds=0", "application/json", "done"),
        ("/v1/runs/{run}/iterations/0/traces", "application/x-ndjson", nil),
    ]

    @Test("the reads of a run answer 200 with their content type", arguments: runReads)
    func runRead(_ read: (path: String, contentType: String, key: String?)) async throws {
        let (harness, runId) = try await Self.storeWithDrainedRun()
        let uri = read.path.replacingOccurrences(of: "{run}", with: String(runId))
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                #expect(response.headers[.contentType] == read.contentType)
                if let key = read.key {
                    let object = try InProcessRouter.object(response)
                    #expect(object[key] != nil, "\(uri) lacks \(key)")
                } else {
                    // The traces: one JSON object a line, one line per recorded sample.
                    let lines = String(buffer: response.body).split(separator: "\n")
                    #expect(!lines.isEmpty)
                    #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
                }
            }
        }
    }

    @Test("pause, resume and cancel change the run's state")
    func pauseResumeCancel() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let run = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        try await InProcessRouter.test(store: harness.store) { client in
            for (command, state) in [("pause", "paused"), ("resume", "active"), ("cancel", "cancelled")] {
                try await client.execute(uri: "/v1/runs/\(run.runId)/\(command)", method: .post) { response in
                    #expect(response.status == .ok)
                    let run = try InProcessRouter.object(response)
                    #expect(run["state"] as? String == state, "\(command)")
                }
            }
        }
    }

    @Test("advance starts a waiting run's next iteration on the new model version")
    func advance() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration(prompts: 2, iterations: 2)
        configuration.advance = .manual
        let run = try await harness.store.createRun(configuration, now: Date())
        try await harness.drain()
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(
                uri: "/v1/runs/\(run.runId)/advance", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: #"{"modelVersion":"v1"}"#)
            ) { response in
                #expect(response.status == .ok)
                let advanced = try InProcessRouter.object(response)
                #expect(advanced["state"] as? String == "active" && advanced["modelVersion"] as? String == "v1")
                #expect(advanced["iteration"] as? Int == 1)
            }
        }
    }

    @Test("a worker is granted leases, heartbeats one, submits one's result and releases another")
    func leases() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        _ = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2, maxSamplesPerLease: 2), now: Date())
        let request = try InProcessRouter.json(LeaseRequest(workerName: "w1", model: "test-model", capacity: 4))
        try await InProcessRouter.test(store: harness.store) { client in
            let grant = try await client.execute(uri: "/v1/leases", method: .post, headers: [.contentType: "application/json"], body: request) { response in
                #expect(response.status == .ok)
                return try InProcessRouter.decode(LeaseGrant.self, response)
            }
            #expect(grant.leases.count >= 2)
            let (first, second) = (grant.leases[0], grant.leases[1])
            try await client.execute(uri: "/v1/leases/\(first.leaseId)/heartbeat", method: .post) { response in
                #expect(response.status == .ok)
                let reply = try InProcessRouter.decode(HeartbeatReply.self, response)
                #expect(reply.expiresAt > Date())
            }
            let result = try InProcessRouter.json(StoreFixtures.result(for: first))
            try await client.execute(uri: "/v1/leases/\(first.leaseId)/result", method: .post, headers: [.contentType: "application/json"], body: result) { response in
                #expect(response.status == .ok)
                let receipt = try InProcessRouter.decode(SubmissionReceipt.self, response)
                #expect(receipt.leaseId == first.leaseId && !receipt.duplicate)
            }
            let release = try InProcessRouter.json(LeaseRelease(reason: "shutting down", kind: .shutdown))
            try await client.execute(uri: "/v1/leases/\(second.leaseId)/release", method: .post, headers: [.contentType: "application/json"], body: release) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"released":true}"# + "\n")
            }
        }
    }

    @Test("a built-in run's weights are served with their SHA-256")
    func weights() async throws {
        let harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(harness.configuration(), now: Date())
        let bytes = try Data(contentsOf: harness.weightsURL)
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: WeightsPath.of(runId: run.runId, version: "0"), method: .get) { response in
                #expect(response.status == .ok)
                #expect(Data(buffer: response.body) == bytes)
                #expect(response.headers[.contentType] == "application/octet-stream")
                #expect(response.headers[WeightsRoutes<GVMRequestContext>.sha256Header] == BuiltinWeights.sha256Hex(bytes))
            }
        }
    }

    @Test("status, workers, metrics, the OpenAPI description and the health check answer 200")
    func readsOfTheWhole() async throws {
        let (harness, _) = try await Self.storeWithDrainedRun()
        try await InProcessRouter.test(store: harness.store) { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "application/json")
                let status = try InProcessRouter.object(response)
                #expect(status["runs"] != nil)
            }
            try await client.execute(uri: "/v1/workers", method: .get) { response in
                #expect(response.status == .ok)
                let workers = try #require(try InProcessRouter.object(response)["workers"] as? [[String: Any]])
                #expect(workers.map { $0["name"] as? String } == ["w1"])
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/plain; version=0.0.4")
                #expect(String(buffer: response.body).contains("# TYPE"))
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == OpenAPIDocument.json)
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == #"{"status":"ok"}"# + "\n")
            }
        }
    }
}
