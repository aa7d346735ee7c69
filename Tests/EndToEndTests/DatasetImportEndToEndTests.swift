import Foundation
import Shared
import Testing
import TestSupport

/// `POST /v1/datasets` against a real coordinator process: the streamed
/// import answers as the in-memory one did, and an oversized declared body
/// is refused before any of it is read.
@Suite("Dataset import over HTTP", .serialized)
struct DatasetImportEndToEndTests {
    struct ErrorView: Decodable {
        struct Detail: Decodable { var status: Int; var field: String?; var message: String }
        var error: Detail
    }

    struct DatasetsView: Decodable {
        struct Dataset: Decodable { var name: String; var contentHash: String; var promptCount: Int }
        var datasets: [Dataset]
    }

    @Test("201 then 200 for the same file, 409 for other content, 400 naming the line; only finished imports are listed")
    func importAnswers() async throws {
        let cluster = try await Cluster.start()
        let math500 = try Fixtures.data("math500-20.jsonl")
        let first = try await cluster.post("/v1/datasets?name=math500", body: math500, contentType: "application/x-ndjson")
        #expect(first.status == 201)
        let again = try await cluster.post("/v1/datasets?name=math500", body: math500, contentType: "application/x-ndjson")
        #expect(again.status == 200)

        let other = try await cluster.post("/v1/datasets?name=math500", body: Data(#"{"problem":"x","answer":"1"}"#.utf8))
        #expect(other.status == 409)

        var broken = String(decoding: math500, as: UTF8.self)
        broken += "{\"problem\":\"no answer\"}\n"
        let bad = try await cluster.post("/v1/datasets?name=broken", body: Data(broken.utf8), contentType: "application/x-ndjson")
        #expect(bad.status == 400)
        #expect(try JSONDecoder().decode(ErrorView.self, from: bad.body).error.field == "line 21")

        let listed = try await cluster.getJSON("/v1/datasets", as: DatasetsView.self)
        #expect(listed.datasets.map(\.name) == ["math500"] && listed.datasets[0].promptCount == 20)
        let expectedHash = try JSONDecoder().decode(DatasetsView.Dataset.self, from: first.body).contentHash
        #expect(listed.datasets[0].contentHash == expectedHash && expectedHash.hasPrefix("sha256:"))

        // The failed name is free: the good file imports under it.
        let retried = try await cluster.post("/v1/datasets?name=broken", body: math500, contentType: "application/x-ndjson")
        #expect(retried.status == 201)
        await cluster.stopAll()
    }

    @Test("a declared length over the limit gets 413 naming body before the body is sent", arguments: [
        ("/v1/datasets?name=huge", 600 << 20),
        ("/v1/runs", 33 << 20),
    ])
    func declaredTooLarge(_ path: String, length: Int) async throws {
        let cluster = try await Cluster.start()
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(length)\r\n\r\n"
        let answer = try await RawHTTP.send(port: cluster.port, request)
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(answer.contains(#""field":"body""#))
        #expect(try await cluster.getJSON("/v1/datasets", as: DatasetsView.self).datasets.isEmpty)
        #expect(try await cluster.get("/healthz").status == 200)
        await cluster.stopAll()
    }
}
