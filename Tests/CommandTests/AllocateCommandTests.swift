import Foundation
import TestSupport
import Testing

@Suite("gvm-coordinator allocate")
struct AllocateCommandTests {
    struct Output: Decodable { var counts: [Int]; var ratios: [Double]; var unallocated: Int }

    /// The input fields of a case in allocation-vectors.json; the rest
    /// (name, expected*) would be refused as unknown keys.
    static let inputKeys: Set<String> = [
        "strategy", "gradNorms", "acceptRates", "alpha", "beta", "budget",
        "filterThreshold", "filterInsufficient", "maxSamplesPerPrompt",
    ]

    @Test("every conformance vector gives the expected counts, ratios and unallocated through the command")
    func vectors() async throws {
        let file = try JSONSerialization.jsonObject(with: Fixtures.data("allocation-vectors.json")) as! [String: Any]
        let cases = file["cases"] as! [[String: Any]]
        #expect(cases.count == 46)
        for vector in cases {
            let name = vector["name"] as! String
            let input = vector.filter { Self.inputKeys.contains($0.key) }
            let result = try await BuiltProduct.coordinator.run(
                ["allocate"], input: JSONSerialization.data(withJSONObject: input))
            if vector["expectError"] as? Bool == true {
                #expect(result.status != 0, "\(name) must be refused")
                #expect(result.stdout.isEmpty, "\(name)")
                // A bad cap is refused before anything else, naming the field;
                // otherwise the case has nothing allocatable.
                let cap = (vector["maxSamplesPerPrompt"] as? NSNumber)?.doubleValue ?? 0
                let reason = cap < 0 || cap.rounded() != cap ? "maxSamplesPerPrompt" : "nothing allocatable"
                #expect(result.stderr.contains(reason), "\(name): \(result.stderr)")
                continue
            }
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdoutText.hasPrefix(#"{"counts":["#), "\(name): \(result.stdoutText.prefix(80))")
            #expect(result.stdoutText.contains(#"],"ratios":["#), "\(name)")
            #expect(result.stdoutText.hasSuffix("\n"), "\(name)")
            let output = try JSONDecoder().decode(Output.self, from: result.stdout)
            #expect(output.counts == vector["expectedCounts"] as? [Int], "\(name)")
            #expect(output.unallocated == (vector["expectedUnallocated"] as? Int ?? 0), "\(name)")
            let expected = vector["expectedRatios"] as! [Double]
            #expect(output.ratios.count == expected.count)
            for (got, want) in zip(output.ratios, expected) {
                #expect(want == 0 ? got == 0 : abs(got - want) <= 1e-9 * abs(want), "\(name): \(got) vs \(want)")
            }
        }
    }

    @Test("a case given whole is refused at its first non-input key, naming it")
    func wholeCaseRefused() async throws {
        let json = #"{"name":"four-prompts","gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":4}"#
        let result = try await BuiltProduct.coordinator.run(["allocate"], input: Data(json.utf8))
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("name: unknown field"), "\(result.stderr)")
    }

    @Test("a cap below the budget's share leaves the rest unallocated, and the output says so")
    func capLeavesBudgetUnallocated() async throws {
        let json = #"{"gradNorms":[1,2,0],"acceptRates":[0.5,0.25,0],"budget":40,"maxSamplesPerPrompt":16}"#
        let result = try await BuiltProduct.coordinator.run(["allocate"], input: Data(json.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText == #"{"counts":[16,16,0],"ratios":[0.4,0.4,0.0],"unallocated":8}"# + "\n")
    }

    static let badInputs: [(json: String, field: String)] = [
        (#"{"gradNorms":[1,2],"acceptRates":[0.5],"budget":3}"#, "gradNorms"),
        (#"{"gradNorms":[1,-2],"acceptRates":[0.5,0.5],"budget":3}"#, "gradNorms[1]"),
        (#"{"gradNorms":[1,1e400],"acceptRates":[0.5,0.5],"budget":3}"#, "1e400"),
        (#"{"gradNorms":[1,"2"],"acceptRates":[0.5,0.5],"budget":3}"#, "gradNorms[1]"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,1.5],"budget":3}"#, "acceptRates[1]"),
        (#"{"gradNorms":[1,2],"acceptRates":[-0.1,0.5],"budget":3}"#, "acceptRates[0]"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3.5}"#, "budget"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":-3}"#, "budget"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":1e30}"#, "budget"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5]}"#, "budget"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"alpha":-0.001}"#, "alpha"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"beta":0.5}"#, "beta"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"filterThreshold":-1}"#, "filterThreshold"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"strategy":"greedy"}"#, "strategy"),
        (#"{"gradNorms":[0,0],"acceptRates":[0.5,0.5],"budget":3}"#, "nothing allocatable"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"filterThreshold":0.1}"#, "nothing allocatable"),
        (#"{"gradNorms":[],"acceptRates":[],"budget":3}"#, "acceptRates"),
        (#"{"gradNorms":[1,2"#, "input: is not valid JSON (unexpected end of input at byte 17"),
        ("", "input: is not valid JSON (empty input"),
        (#"{"gradNorms":[1,NaN],"acceptRates":[0.5,0.5],"budget":3}"#, "input: is not valid JSON (unexpected 'N' at byte 16"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"maxSamplesPerPrompt":-1}"#, "maxSamplesPerPrompt: must be a whole number >= 0"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"maxSamplesPerPrompt":2.5}"#, "maxSamplesPerPrompt: must be a whole number >= 0"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"maxSamplesPerPrompt":"2"}"#, "maxSamplesPerPrompt: must be a number"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"maxSamplePerPrompt":2}"#, "maxSamplePerPrompt: unknown field"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"budget":4}"#, "budget: is given more than once"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,0.5],"budget":3,"alpha":{"x":1}}"#, "alpha: must be a number"),
        (#"{"gradNorms":[1,2],"acceptRates":[0.5,null],"budget":3}"#, "acceptRates[1]: must be a number, got null"),
    ]

    @Test("bad input exits non-zero, names the field and prints no result", arguments: badInputs)
    func badInput(_ json: String, field: String) async throws {
        let result = try await BuiltProduct.coordinator.run(["allocate"], input: Data(json.utf8))
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(field), "\(result.stderr)")
        #expect(!result.stderr.lowercased().contains("nan"))
    }

    @Test("uniform needs no statistics to be meaningful and reports counts over the budget")
    func uniform() async throws {
        let json = #"{"strategy":"uniform","gradNorms":[0,0,0],"acceptRates":[0,0,0],"budget":10}"#
        let result = try await BuiltProduct.coordinator.run(["allocate"], input: Data(json.utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONDecoder().decode(Output.self, from: result.stdout)
        #expect(output.counts == [4, 3, 3])
        #expect(output.ratios == [0.4, 0.3, 0.3])
        #expect(output.unallocated == 0)
    }
}
