import CurlHTTP
import Foundation
import Shared
import Testing
import TestSupport

/// What `make fuzz-api` (schemathesis on /openapi.json) found, sent again to
/// a real coordinator process, and the description it fuzzes from.
@Suite("Fuzz findings", .serialized)
struct FuzzFindingsTests {
    @Test("GET /openapi.json answers the OpenAPI 3.1 description as application/json")
    func servesDescription() async throws {
        let cluster = try await Cluster.start()
        let response = try await cluster.get("/openapi.json")
        await cluster.stopAll()
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let document = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        #expect(paths["/openapi.json"] != nil && paths["/v1/leases/{leaseId}/result"] != nil)
    }

    /// maxSamplesPerLease has no upper bound, and the work-unit bound's
    /// ⌈samples / maxSamplesPerLease⌉ overflowed near Int.max: the process
    /// trapped and every client lost the coordinator.
    @Test("a run with maxSamplesPerLease at Int.max is created and the coordinator keeps serving",
          arguments: ["9223372036854775807", "9223372036854775000"])
    func hugeMaxSamplesPerLease(_ value: String) async throws {
        let cluster = try await Cluster.start()
        let imported = try await cluster.post(
            "/v1/datasets?name=math500", body: try Fixtures.data("math500-20.jsonl"), contentType: "application/x-ndjson")
        #expect(imported.status == 201)
        let created = try await cluster.post(
            "/v1/runs", body: Data(#"{"dataset":"math500","model":"m","promptsPerIteration":4,"maxSamplesPerLease":\#(value)}"#.utf8))
        let grant = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"m","capacity":100}"#.utf8))
        await cluster.stopAll()
        #expect(created.status == 201, Comment(rawValue: String(decoding: created.body, as: UTF8.self)))
        #expect(grant.status == 200)
        // One lease per prompt, of all its 8 pre-samples.
        let leases = try WireJSON.decoder().decode(LeaseGrant.self, from: grant.body).leases
        #expect(leases.count == 4 && leases.allSatisfy { $0.sampleCount == 8 && $0.firstSampleIndex == 0 })
    }
}
