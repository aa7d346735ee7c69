import Foundation
import TestSupport
import Testing

@Suite("gvm-coordinator allocate")
struct AllocateCommandTests {
    struct Output: Decodable { var counts: [Int]; var ratios: [Double] }

    @Test("every conformance vector gives the expected counts through the command")
    func vectors() async throws {
        let file = try JSONSerialization.jsonObject(with: Fixtures.data("allocation-vectors.json")) as! [String: Any]
        let cases = file["cases"] as! [[String: Any]]
        #expect(cases.count == 23)
        for vector in cases {
            let name = vector["name"] as! String
            // The whole case goes in as is: the command ignores the expected-* keys.
            let result = try await BuiltProduct.coordinator.run(
                ["allocate"], input: JSONSerialization.data(withJSONObject: vector))
            if vector["expectError"] as? Bool == true {
                #expect(result.status != 0, "\(name) must be refused")
                #expect(result.stderr.contains("nothing allocatable"), "\(name): \(result.stderr)")
                #expect(result.stdout.isEmpty)
                continue
            }
            #expect(result.status == 0, "\(name): \(result.stderr)")
            #expect(result.stdoutText.hasPrefix(#"{"counts":["#), "\(name): \(result.stdoutText.prefix(80))")
            let output = try JSONDecoder().decode(Output.self, from: result.stdout)
            #expect(output.counts == vector["expectedCounts"] as? [Int], "\(name)")
            let expected = vector["expectedRatios"] as! [Double]
            #expect(output.ratios.count == expected.count)
            for (got, want) in zip(output.ratios, expected) {
                #expect(want == 0 ? got == 0 : abs(got - want) <= 1e-9 * abs(want), "\(name): \(got) vs \(want)")
            }
        }
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
        (#"{"gradNorms":[1,2"#, "input"),
        ("", "input"),
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
    }
}
