import Foundation
import Hummingbird
import Logging
import Shared
import Testing
@testable import Coordinator

/// Leases of built-in runs say where their weights are, and the coordinator
/// serves those weights over HTTP.
@Suite("Built-in weights distribution")
struct BuiltinWeightsServingTests {
    @Test("leases carry the weights path, their SHA-256 and the gradient-norm group")
    func leasesCarryWeights() async throws {
        let harness = try await BuiltinHarness()
        var configuration = harness.configuration()
        configuration.gradNorm = .exact
        configuration.builtin?.gradNormGroup = .head
        let run = try await harness.store.createRun(configuration, now: Date())
        let leases = try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: BuiltinHarness.model, capacity: 8), now: Date())
        #expect(!leases.isEmpty)
        let sha256 = BuiltinWeights.sha256Hex(try Data(contentsOf: harness.weightsURL))
        for lease in leases {
            #expect(lease.builtin == BuiltinLeaseInfo(
                weightsPath: "/v1/runs/\(run.runId)/weights/0", weightsSHA256: sha256, gradNormGroup: .head))
            #expect(lease.modelVersion == "0" && lease.gradNorm == .exact)
        }
    }

    @Test("leases of other runs carry no weights")
    func otherRunsCarryNone() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        _ = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let lease = try #require(try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: "test-model", capacity: 1), now: Date()).first)
        #expect(lease.builtin == nil)
    }

    @Test("GET /v1/runs/{run}/weights/{version} answers the bytes and their SHA-256; unknown ones get 404 JSON")
    func weightsOverHTTP() async throws {
        let harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(harness.configuration(), now: Date())
        let lease = try #require(try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: BuiltinHarness.model, capacity: 1), now: Date()).first)
        let info = try #require(lease.builtin)

        let (port, server) = try await LoopbackCoordinator.start(store: harness.store)
        defer { server.cancel() }
        let client = try CoordinatorAPIClient(url: "http://127.0.0.1:\(port)")
        let response = try await client.raw("GET", info.weightsPath)
        #expect(response.status == 200)
        #expect(response.body == (try Data(contentsOf: harness.weightsURL)))
        #expect(response.header("X-Gvm-Weights-SHA256") == info.weightsSHA256)
        #expect(response.header("Content-Type") == "application/octet-stream")
        #expect(BuiltinWeights.sha256Hex(response.body) == info.weightsSHA256)

        for (path, message) in [
            ("/v1/runs/\(run.runId)/weights/7", "run \(run.runId) has no weights of model version \"7\""),
            ("/v1/runs/99/weights/0", "run 99 does not exist"),
        ] {
            do {
                _ = try await client.raw("GET", path)
                Issue.record("\(path) should answer 404")
            } catch let failure as CommandFailure {
                #expect(failure.description.hasPrefix("404 "), "\(failure)")
                #expect(failure.description.contains(message), "\(failure)")
            }
        }
    }

}
