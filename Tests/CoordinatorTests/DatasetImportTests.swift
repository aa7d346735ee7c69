import Foundation
import Testing
import TestSupport
@testable import Coordinator

@Suite("Dataset import")
struct DatasetImportTests {
    @Test("MATH-500 and AMC 2023 import with the default fields; numbers become strings")
    func defaults() throws {
        let math = try DatasetParser.parse(name: "m", jsonl: try Fixtures.data("math500-20.jsonl"), options: .init())
        #expect(math.prompts.count == 20)
        #expect(math.prompts[0].answer == "\\left( 3, \\frac{\\pi}{2} \\right)")
        #expect(math.contentHash.hasPrefix("sha256:") && math.contentHash.count == 7 + 64)

        let amc = Data((#"{"id":0,"problem":"How many?","question":"How many?","answer":27.0}"#
            + "\n" + #"{"id":1,"problem":"What ratio?","answer":0.5}"#).utf8)
        let parsed = try DatasetParser.parse(name: "amc", jsonl: amc, options: .init())
        #expect(parsed.prompts.map(\.answer) == ["27", "0.5"])
    }

    @Test("the gold answer can come from the last box of a worked solution")
    func lastBox() throws {
        let line = Data(#"{"problem":"p","answer":"First \\boxed{1}, finally $\\boxed{\\frac{1}{2}}$."}"#.utf8)
        let parsed = try DatasetParser.parse(name: "minerva", jsonl: line, options: .init(answerFromLastBox: true))
        #expect(parsed.prompts[0].answer == "\\frac{1}{2}")
        #expect(throws: RequestRefusal.self) {
            try DatasetParser.parse(name: "minerva", jsonl: Data(#"{"problem":"p","answer":"no box"}"#.utf8), options: .init(answerFromLastBox: true))
        }
    }

    @Test("a bad line names its line number and nothing is imported", arguments: [
        ("{\"problem\":\"a\",\"answer\":\"1\"}\n{\"problem\":\"b\"\n", "line 2"),
        ("{\"problem\":\"a\",\"answer\":\"1\"}\n\n{\"problem\":\"b\",\"answer\":[1]}\n", "line 3"),
        ("[1,2]\n", "line 1"),
        ("{\"question\":\"a\",\"answer\":\"1\"}\n", "line 1"),
    ])
    func badLine(_ text: String, field: String) async throws {
        let harness = try StoreHarness()
        do {
            _ = try DatasetParser.parse(name: "bad", jsonl: Data(text.utf8), options: .init())
            Issue.record("the import should have failed")
        } catch {
            #expect(error.field == field)
        }
        #expect(try await harness.store.datasets().isEmpty)
    }

    @Test("re-importing the same content is a no-op; other content under the name is refused")
    func reimport() async throws {
        let harness = try StoreHarness()
        let first = try await harness.importMath500()
        #expect(first.created && first.promptCount == 20)
        let again = try await harness.importMath500()
        #expect(!again.created && again.contentHash == first.contentHash)
        let other = try DatasetParser.parse(name: "math500", jsonl: Data(#"{"problem":"x","answer":"1"}"#.utf8), options: .init())
        await #expect(throws: RequestRefusal.self) { try await harness.store.importDataset(other, now: Date()) }
        #expect(try await harness.store.datasets().count == 1)
    }
}
