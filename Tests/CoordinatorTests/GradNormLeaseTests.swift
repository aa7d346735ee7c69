import Foundation
import Shared
import Testing
@testable import Coordinator

/// The coordinator hands a run's gradient service to its workers in every lease.
@Suite struct GradNormLeaseTests {
    @Test func leasesCarryTheRunsGradNormURL() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        var configuration = StoreFixtures.configuration(prompts: 2)
        configuration.gradNorm = .url
        configuration.gradNormURL = "http://127.0.0.1:9000/gradnorm"
        _ = try await harness.store.createRun(configuration, now: Date())
        let leases = try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: "test-model", capacity: 8), now: Date())
        #expect(!leases.isEmpty)
        #expect(leases.allSatisfy { $0.gradNorm == .url && $0.gradNormURL == "http://127.0.0.1:9000/gradnorm" })
    }

    @Test func runsWithoutAServiceGiveLeasesWithout() async throws {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        _ = try await harness.store.createRun(StoreFixtures.configuration(prompts: 2), now: Date())
        let lease = try #require(try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: "test-model", capacity: 1), now: Date()).first)
        #expect(lease.gradNormURL == nil)
    }
}
