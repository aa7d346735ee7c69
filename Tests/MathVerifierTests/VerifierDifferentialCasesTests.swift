import Foundation
import Testing
import TestSupport
import Shared
@testable import MathVerifier

/// The 700 responses of the differential test against math-verify
/// (`scripts/verifier-differential/`), each with the verdict a careful grader
/// gives. gvm must agree with every one.
@Suite("Verifier: the differential cases")
struct VerifierDifferentialCasesTests {
    struct Case: Decodable {
        var id: String
        var response: String
        var gold: JSONValue
        var expected: Bool
        var kind: String
    }

    @Test("every differential case gets its intended verdict")
    func allCases() throws {
        let data = try Fixtures.data("verifier-differential/cases.jsonl")
        let cases = try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Case.self, from: Data($0)) }
        #expect(cases.count >= 500)
        let verifier = MathVerifier()
        var wrong: [String] = []
        for item in cases {
            let gold: String
            switch item.gold {
            case .string(let text): gold = text
            case .number(let number): gold = VerifyRequestLine.goldText(number)
            default: Issue.record("\(item.id): gold must be a string or number"); continue
            }
            if verifier.verify(response: item.response, gold: gold).correct != item.expected {
                wrong.append("\(item.id) (\(item.kind))")
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong: \(wrong.prefix(20))")
        // Both kinds of case are present in numbers.
        #expect(cases.filter(\.expected).count > 300 && cases.filter { !$0.expected }.count > 300)
    }
}
