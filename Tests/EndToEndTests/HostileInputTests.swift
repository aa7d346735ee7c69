import CurlHTTP
import Foundation
import Shared
import Testing
import TestSupport

/// What a hostile or broken client found (issue "Hostile input never crashes
/// or poisons the coordinator"), sent again to a real coordinator process:
/// each gets a 400 naming the field, the process keeps running, and nothing
/// changes in the store.
@Suite("Hostile input", .serialized)
struct HostileInputTests {
    struct ErrorView: Decodable {
        struct Detail: Decodable { var status: Int; var field: String?; var message: String }
        var error: Detail
    }

    /// Everything a bad request could have changed: every run's progress,
    /// the iteration's per-prompt statistics and its traces.
    static func snapshot(_ cluster: Cluster, runId: Int) async throws -> String {
        let status = try await cluster.get("/v1/status")
        #expect(status.status == 200, "status answered \(status.status)")
        let view = try WireJSON.decoder().decode(StatusView.self, from: status.body)
        let prompts = try await cluster.prompts(runId: runId, iteration: 0)
        let traces = try await cluster.traces(runId: runId, iteration: 0)
        return "\(view.runs.map { "\($0.runId):\($0.stage):\($0.progress.samplesDone)" })"
            + "|\(prompts.map { "\($0.promptId):\($0.presample.samples):\($0.presample.accepted):\($0.presample.gradNormSquareSum)" })"
            + "|\(traces.count)"
    }

    static func expectRefused(_ response: HTTPResponse, field: String, _ comment: Comment? = nil) throws {
        #expect(response.status == 400, comment)
        let error = try JSONDecoder().decode(ErrorView.self, from: response.body)
        #expect(error.error.field == field, Comment(rawValue: error.error.message))
    }

    static func result(_ lease: Lease, _ sample: String, extra: String = "") -> Data {
        Data(#"{"generated":\#(lease.sampleCount),"samples":[\#(sample)]\#(extra)}"#.utf8)
    }

    @Test("bad results are refused whole, the process survives, and a restart still serves the lease")
    func results() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(IterationEndToEndTests.configuration())
        let grant = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"double","capacity":1}"#.utf8))
        let lease = try #require(try WireJSON.decoder().decode(LeaseGrant.self, from: grant.body).leases.first)
        let i = lease.firstSampleIndex
        func sample(_ index: Int, tokens: String = "3", norm: String = "1", response: String = #""\\boxed{1}""#) -> String {
            #"{"sampleIndex":\#(index),"response":\#(response),"reward":1,"gradNorm":\#(norm),"completionTokens":\#(tokens),"finishReason":"stop"}"#
        }
        let before = try await Self.snapshot(cluster, runId: run.runId)

        // Once crashed the coordinator on an overflow trap, every time.
        let overflow = Self.result(lease, sample(i, tokens: "5000000000000000000") + "," + sample(i + 1, tokens: "5000000000000000000"))
        try Self.expectRefused(try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: overflow), field: "samples[0].completionTokens")
        #expect(try await cluster.get("/healthz").status == 200)

        // Once stored, and then every read of the run's statistics answered 500.
        try Self.expectRefused(
            try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: Self.result(lease, sample(i, norm: "1e200"))),
            field: "samples[0].gradNorm")
        // Once accepted, after which /v1/status answered 500.
        try Self.expectRefused(
            try await cluster.post(
                "/v1/leases/\(lease.leaseId)/result", body: Self.result(lease, sample(i), extra: #","generatedTokens":9223372036854775807"#)),
            field: "generatedTokens")
        // Once stored as "before".
        try Self.expectRefused(
            try await cluster.post(
                "/v1/leases/\(lease.leaseId)/result", body: Self.result(lease, sample(i, response: #""before\u0000after""#))),
            field: "samples[0].response")
        #expect(try await Self.snapshot(cluster, runId: run.runId) == before)

        // The lease is still the worker's, after a crash too: the good result is taken.
        try await cluster.crashAndRestartCoordinator()
        try Self.expectRefused(try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: overflow), field: "samples[0].completionTokens")
        let good = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: Self.result(lease, sample(i)))
        #expect(good.status == 200)
        #expect(try await Self.snapshot(cluster, runId: run.runId) != before)
        await cluster.stopAll()
    }

    @Test("NUL in names and absurd or unbounded run settings are refused naming the field")
    func namesAndSettings() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(IterationEndToEndTests.configuration())
        let before = try await Self.snapshot(cluster, runId: run.runId)

        try Self.expectRefused(
            try await cluster.post("/v1/leases", body: Data(#"{"workerName":"\u0000","model":"double","capacity":1}"#.utf8)),
            field: "workerName")
        try Self.expectRefused(
            try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"double","capacity":4000000000}"#.utf8)),
            field: "capacity")
        try Self.expectRefused(
            try await cluster.post(
                "/v1/datasets?name=a%00b", body: Data(#"{"problem":"1+1","answer":"2"}"#.utf8), contentType: "application/x-ndjson"),
            field: "name")
        try Self.expectRefused(
            try await cluster.post(
                "/v1/datasets?name=nul", body: Data(#"{"problem":"1+1\u0000","answer":"2"}"#.utf8), contentType: "application/x-ndjson"),
            field: "line 1")

        let base = #""model":"double""#
        for (settings, field) in [
            (#""leaseSeconds":3e11"#, "leaseSeconds"),
            (#""leaseSeconds":1e300"#, "leaseSeconds"),
            (#""presamples":1000000,"maxSamplesPerLease":1"#, "presamples"),
            (#""presamples":60000,"maxSamplesPerLease":1,"promptsPerIteration":20"#, "maxSamplesPerLease"),
            (#""iterations":100000000"#, "iterations"),
            (#""dataset":"math500\u0000x""#, "dataset"),
            (#""modelVersion":"\u0000""#, "modelVersion"),
            (#""maxSamplesPerLease":2.5"#, "maxSamplesPerLease"),
            (#""generation":{"maxTokens":3000000}"#, "generation.maxTokens"),
            (#""generation":{"stop":["a\u0000"]}"#, "generation.stop[0]"),
            (#""prompt":{"completion":"{problem}"# + String(repeating: "x", count: 70_000) + #""}"#, "prompt.completion"),
        ] {
            // JSON's first key wins here, so the base leaves out what a case sets.
            let dataset = settings.contains(#""dataset""#) ? "" : #""dataset":"math500","#
            let prompts = settings.contains(#""promptsPerIteration""#) ? "" : #""promptsPerIteration":5,"#
            let body = Data("{\(dataset)\(prompts)\(base),\(settings)}".utf8)
            try Self.expectRefused(try await cluster.post("/v1/runs", body: body), field: field, "\(settings)")
        }
        #expect(try await Self.snapshot(cluster, runId: run.runId) == before)
        let datasets = String(decoding: try await cluster.get("/v1/datasets").body, as: UTF8.self)
        #expect(!datasets.contains("\"nul\"") && !datasets.contains("\"a\""))
        let runs = try await cluster.get("/v1/runs")
        #expect(runs.status == 200 && !String(decoding: runs.body, as: UTF8.self).contains("\"runId\":2"))
        await cluster.stopAll()
    }

    @Test("broken HTTP framing answers 400 without internal text, and the coordinator keeps serving")
    func framing() async throws {
        let cluster = try await Cluster.start()
        let head = "POST /v1/leases HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
        for (request, halfClose) in [
            (head + "Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n", false),
            (head + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n", false),
            (head + "Content-Length: 100\r\n\r\n{\"workerName\":", true),
        ] {
            let answer = try await RawHTTP.send(port: cluster.port, request, halfClose: halfClose)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
            #expect(answer.contains("malformed HTTP request") && !answer.contains("internal"))
        }
        #expect(try await cluster.get("/healthz").status == 200)
        await cluster.stopAll()
    }

    @Test("a different second result for a finished lease gets 409 over HTTP; invalid UTF-8 gets 400; neither is stored")
    func repeatsAndEncoding() async throws {
        let cluster = try await Cluster.start()
        let run = try await cluster.createRun(IterationEndToEndTests.configuration())
        let grant = try await cluster.post("/v1/leases", body: Data(#"{"workerName":"w","model":"double","capacity":1}"#.utf8))
        let lease = try #require(try WireJSON.decoder().decode(LeaseGrant.self, from: grant.body).leases.first)
        let i = lease.firstSampleIndex
        let sample = #"{"sampleIndex":\#(i),"response":"\\boxed{1}","reward":1,"gradNorm":1,"completionTokens":3,"finishReason":"stop"}"#
        let forged = #"{"sampleIndex":\#(i),"response":"\\boxed{2}","reward":1,"gradNorm":1,"completionTokens":3,"finishReason":"stop"}"#

        // Invalid UTF-8 inside a string: refused, not stored mangled.
        var invalid = Data(#"{"generated":\#(lease.sampleCount),"samples":[{"sampleIndex":\#(i),"response":"bad "#.utf8)
        invalid.append(contentsOf: [0xFF, 0xFE])
        invalid.append(Data(#"","reward":1,"gradNorm":1,"completionTokens":3,"finishReason":"stop"}]}"#.utf8))
        let invalidAnswer = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: invalid)
        #expect(invalidAnswer.status == 400)

        let first = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: Self.result(lease, sample))
        #expect(first.status == 200)
        let before = try await Self.snapshot(cluster, runId: run.runId)
        // The same result with other whitespace and key order is a repeat.
        let reordered = Data(#"{ "samples": [\#(sample)], "generated": \#(lease.sampleCount) }"#.utf8)
        let repeated = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: reordered)
        #expect(repeated.status == 200)
        let receipt = try WireJSON.decoder().decode(SubmissionReceipt.self, from: repeated.body)
        #expect(receipt.duplicate)
        let different = try await cluster.post("/v1/leases/\(lease.leaseId)/result", body: Self.result(lease, forged))
        #expect(different.status == 409)
        #expect(String(decoding: different.body, as: UTF8.self).contains("different result"))
        #expect(try await Self.snapshot(cluster, runId: run.runId) == before)
        let traces = try await cluster.traces(runId: run.runId, iteration: 0)
        #expect(traces.count == 1 && traces[0].response == "\\boxed{1}")
        await cluster.stopAll()
    }
}
