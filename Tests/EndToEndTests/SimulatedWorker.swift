import Foundation
import Shared
import TestSupport

/// A worker played by the test over HTTP, for tests that need exact control
/// over which leases are taken and when results arrive.
struct SimulatedWorker {
    let cluster: Cluster
    var name = "simulated"
    var model = "double"

    func lease(capacity: Int = 1) async throws -> [Lease] {
        let body = try WireJSON.encoder().encode(LeaseRequest(workerName: name, model: model, capacity: capacity))
        let response = try await cluster.post("/v1/leases", body: body)
        guard response.status == 200 else { throw ProcessFailure("lease: \(response.status)") }
        return try WireJSON.decoder().decode(LeaseGrant.self, from: response.body).leases
    }

    /// Every sample whose index is below `acceptedBelow` is accepted, with
    /// gradient norm 1 + index / 10.
    static func result(for lease: Lease, acceptedBelow: Int = 2) -> LeaseResult {
        let samples = (0..<lease.sampleCount).compactMap { k -> SampleResult? in
            let index = lease.firstSampleIndex + k
            let accepted = (lease.promptId + index) % 4 < acceptedBelow
            guard accepted || lease.algorithm == .grpo else { return nil }
            return SampleResult(
                sampleIndex: index, response: "working... \\boxed{\(index)}", reward: accepted ? 1 : 0,
                gradNorm: accepted ? 1 + Double(index) / 10 : nil, completionTokens: 7, finishReason: .stop)
        }
        return LeaseResult(generated: lease.sampleCount, samples: samples, generatedTokens: 7 * lease.sampleCount)
    }

    /// Submits; returns the HTTP status.
    func submit(_ lease: Lease) async throws -> Int {
        let body = try WireJSON.encoder().encode(Self.result(for: lease))
        return try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: body).status
    }

    /// Leases and submits until no work is left for now.
    func drain() async throws {
        while true {
            let leases = try await lease(capacity: 64)
            if leases.isEmpty { return }
            for lease in leases {
                let status = try await submit(lease)
                guard status == 200 else { throw ProcessFailure("submit: \(status)") }
            }
        }
    }
}
