import Foundation
import Shared
import Testing
import TestSupport

@Suite("HTTP errors", .serialized)
struct RequestErrorTests {
    struct ErrorView: Decodable {
        struct Detail: Decodable { var status: Int; var field: String?; var message: String }
        var error: Detail
    }

    @Test("malformed JSON, a missing field and an oversized body get a 4xx JSON error and change nothing")
    func badRequests() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(IterationEndToEndTests.configuration())
        let before = try await cluster.get("/v1/status")

        let malformed = try await cluster.post("/v1/runs", body: Data(#"{"dataset": "math500", "#.utf8))
        #expect(malformed.status == 400)
        let malformedError = try JSONDecoder().decode(ErrorView.self, from: malformed.body)
        #expect(malformedError.error.field == "input" && malformedError.error.message.contains("not valid JSON"))

        let missing = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","capacity":4}"#.utf8))
        #expect(missing.status == 400)
        let missingError = try JSONDecoder().decode(ErrorView.self, from: missing.body)
        #expect(missingError.error.field == "model" && missingError.error.message == "is required")

        let wrongType = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"double","capacity":"4"}"#.utf8))
        #expect(wrongType.status == 400)
        #expect(try JSONDecoder().decode(ErrorView.self, from: wrongType.body).error.field == "capacity")

        let huge = Data(repeating: UInt8(ascii: " "), count: 40 << 20)
        let oversized = try await cluster.post("/v1/runs", body: huge)
        #expect(oversized.status == 413)
        #expect(try JSONDecoder().decode(ErrorView.self, from: oversized.body).error.field == "body")

        let badRun = try await cluster.post("/v1/runs", body: Data(#"{"dataset":"math500","model":"m","promptsPerIteration":5,"samplesPerPromt":3}"#.utf8))
        #expect(badRun.status == 400)
        #expect(try JSONDecoder().decode(ErrorView.self, from: badRun.body).error.field == "samplesPerPromt")

        let unknownLease = try await cluster.post("/v1/leases/nope/result", body: Data(#"{"generated":1,"samples":[]}"#.utf8))
        #expect(unknownLease.status == 404)

        let badDataset = try await cluster.post(
            "/v1/datasets?name=broken", body: Data("{\"problem\":\"a\",\"answer\":\"1\"}\nnot json\n".utf8),
            contentType: "application/x-ndjson")
        #expect(badDataset.status == 400)
        #expect(try JSONDecoder().decode(ErrorView.self, from: badDataset.body).error.field == "line 2")

        // Nothing changed: same runs, stages and progress; no dataset "broken".
        let after = try await cluster.get("/v1/status")
        let beforeRuns = try WireJSON.decoder().decode(StatusView.self, from: before.body).runs.map { "\($0.runId)\($0.stage)\($0.progress.samplesDone)" }
        let afterRuns = try WireJSON.decoder().decode(StatusView.self, from: after.body).runs.map { "\($0.runId)\($0.stage)\($0.progress.samplesDone)" }
        #expect(beforeRuns == afterRuns)
        let datasets = try await cluster.get("/v1/datasets")
        #expect(!String(decoding: datasets.body, as: UTF8.self).contains("broken"))
        #expect(run.runId == 1)
        await cluster.stopAll()
    }

    @Test("a repeated result over HTTP is answered the same and counted once")
    func duplicateOverHTTP() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(IterationEndToEndTests.configuration())
        let grant = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"double","capacity":1}"#.utf8))
        let lease = try #require(try WireJSON.decoder().decode(LeaseGrant.self, from: grant.body).leases.first)
        let result = try WireJSON.encoder().encode(LeaseResult(generated: lease.sampleCount, samples: [
            SampleResult(sampleIndex: lease.firstSampleIndex, response: "\\boxed{1}", reward: 1, gradNorm: 1, completionTokens: 3, finishReason: .stop),
        ]))
        let first = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: result)
        let second = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: result)
        #expect(first.status == 200 && second.status == 200)
        let receipt = try WireJSON.decoder().decode(SubmissionReceipt.self, from: second.body)
        #expect(receipt.duplicate && receipt.acceptedSamples == 1)
        let prompts = try await cluster.prompts(runId: run.runId, iteration: 0)
        #expect(prompts.reduce(0) { $0 + $1.presample.samples } == lease.sampleCount)
        #expect(try await cluster.traces(runId: run.runId, iteration: 0).count == 1)
        await cluster.stopAll()
    }
}
