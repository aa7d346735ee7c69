import Foundation
import Testing
import TestSupport

@Suite("gvm-worker verify")
struct VerifyCommandTests {
    func lines(_ result: BuiltProduct.Result) throws -> [[String: Any]] {
        try result.stdout.split(separator: UInt8(ascii: "\n")).map {
            try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
        }
    }

    @Test("one verdict per line, in order, with ids echoed and numeric golds")
    func verdicts() async throws {
        let input = """
            {"id":1,"response":"So the answer is \\\\boxed{\\\\dfrac{1}{2}}.","gold":"0.5"}
            {"id":"b","response":"Final Answer: The final answer is $1{,}000$. I hope it is correct.","gold":1000}
            {"id":[3],"response":"The sum is 27.0 so far and then","gold":27.0}
            {"id":null,"response":"#### 42","gold":"41"}
            """
        let result = try await BuiltProduct.worker.run(["verify"], input: Data(input.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let out = try lines(result)
        try #require(out.count == 4)
        // The documented key order, for scripts that read lines as text.
        let text = result.stdoutText.split(separator: "\n")
        #expect(text[0] == #"{"id":1,"correct":true,"extracted":"\\dfrac{1}{2}"}"#)
        #expect(text[2] == #"{"id":[3],"correct":false,"extracted":null}"#)
        #expect(out[0]["id"] as? Int == 1 && out[0]["correct"] as? Bool == true && out[0]["extracted"] as? String == "\\dfrac{1}{2}")
        #expect(out[1]["id"] as? String == "b" && out[1]["correct"] as? Bool == true && out[1]["extracted"] as? String == "1{,}000")
        #expect(out[2]["id"] as? [Int] == [3] && out[2]["correct"] as? Bool == false && out[2]["extracted"] is NSNull)
        #expect(out[3]["id"] is NSNull && out[3]["correct"] as? Bool == false && out[3]["extracted"] as? String == "42")
    }

    @Test("a malformed line gets an error with its line number and processing continues")
    func malformedLines() async throws {
        let input = [
            #"{"id":"ok","response":"\\boxed{2}","gold":"2"}"#,
            "not json",
            #"{"id":"no-gold","response":"\\boxed{2}"}"#,
            #"{"id":"bad-gold","response":"\\boxed{2}","gold":[2]}"#,
            "",
            #"{"id":"last","response":"\\boxed{3}","gold":"2"}"#,
        ].joined(separator: "\n")
        let result = try await BuiltProduct.worker.run(["verify"], input: Data(input.utf8))
        #expect(result.status == 0)
        let out = try lines(result)
        try #require(out.count == 5)
        #expect(out[0]["correct"] as? Bool == true)
        #expect(result.stdoutText.split(separator: "\n")[1].hasPrefix(#"{"id":null,"line":2,"error":"#))
        #expect(out[1]["line"] as? Int == 2 && out[1]["id"] is NSNull && (out[1]["error"] as? String)?.contains("not valid JSON") == true)
        #expect(out[2]["line"] as? Int == 3 && out[2]["id"] as? String == "no-gold" && (out[2]["error"] as? String)?.contains("gold") == true)
        #expect(out[3]["line"] as? Int == 4 && out[3]["id"] as? String == "bad-gold" && (out[3]["error"] as? String)?.contains("gold") == true)
        #expect(out[4]["id"] as? String == "last" && out[4]["correct"] as? Bool == false)
    }

    @Test("many lines on several threads keep their order")
    func order() async throws {
        let input = (0..<5000).map { i in
            #"{"id":\#(i),"response":"\\boxed{\#(i % 7)}","gold":"\#(i % 5)"}"#
        }.joined(separator: "\n")
        let result = try await BuiltProduct.worker.run(["verify", "--threads", "2", "--batch-size", "300"], input: Data(input.utf8))
        let out = try lines(result)
        #expect(out.count == 5000)
        #expect(out.map { $0["id"] as? Int ?? -1 } == Array(0..<5000))
        #expect(out.map { $0["correct"] as? Bool ?? false } == (0..<5000).map { $0 % 7 == $0 % 5 })
    }

    @Test("bad options exit non-zero with a message")
    func badOptions() async throws {
        let result = try await BuiltProduct.worker.run(["verify", "--threads", "0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--threads"))
    }
}
