import Foundation
import Shared
import Testing
import TestSupport

/// A lease belongs to the identity (token name) it was granted to.
@Suite("Access: lease identity")
struct AccessIdentityTests {
    @Test("another identity cannot heartbeat, submit to or release a lease; its holder can, and its result counts once")
    func otherIdentity() async throws {
        let cluster = try await AccessCluster.start()
        _ = try await cluster.importAndCreateRun()
        let leases = try await cluster.lease(as: .workerA, capacity: 2)
        let lease = try #require(leases.first)
        let result = try WireJSON.encoder().encode(SimulatedWorker.result(for: lease))
        let release = try WireJSON.encoder().encode(LeaseRelease(reason: "not mine"))
        for identity in [AccessCluster.Identity.workerB, .alice] {
            for (path, body) in [("heartbeat", nil), ("result", result), ("release", release)] as [(String, Data?)] {
                let answer = try await cluster.send("POST", "/v1/leases/\(lease.leaseId)/\(path)", as: identity, body: body)
                #expect(answer.status == 403, "\(path) as \(identity): \(answer.status)")
                #expect(String(decoding: answer.body, as: UTF8.self).contains("another identity"))
            }
        }
        // The holder's calls go through, from any of its worker processes (workerName is a label).
        #expect(try await cluster.send("POST", "/v1/leases/\(lease.leaseId)/heartbeat", as: .workerA).status == 200)
        #expect(try await cluster.send("POST", "/v1/leases/\(lease.leaseId)/result", as: .workerA, body: result).status == 200)
        // A forged repeat of the taken result by another identity is refused too, not replayed.
        #expect(try await cluster.send("POST", "/v1/leases/\(lease.leaseId)/result", as: .workerB, body: result).status == 403)
        let traces = try await cluster.send("GET", "/v1/runs/\(lease.runId)/iterations/0/traces", as: .grafana)
        let lines = String(decoding: traces.body, as: UTF8.self).split(separator: "\n")
        #expect(lines.filter { $0.contains("\"leaseId\":\"\(lease.leaseId)\"") }.count == SimulatedWorker.result(for: lease).samples.count)
        await cluster.stop()
    }
}
