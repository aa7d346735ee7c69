import Benchmark
import Foundation
import MathVerifier
import Shared

/// Verifier verdicts on one core, over the differential test's cases (the
/// same cases `scripts/verifier-differential/run_math_verify.py` times
/// math-verify on). One benchmark iteration judges every case once; the
/// throughput metric therefore counts passes, and verdicts per second are
/// passes per second times the number of cases printed below.
let benchmarks: @Sendable () -> Void = {
    let cases = DifferentialCases.load()
    print("verifier benchmark: \(cases.count) cases per pass")

    Benchmark(
        "math verifier: one pass over \(cases.count) differential cases",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal],
            timeUnits: .milliseconds,
            warmupIterations: 3,
            maxDuration: .seconds(10),
            maxIterations: 1_000)
    ) { benchmark in
        let verifier = MathVerifier()
        for _ in benchmark.scaledIterations {
            for item in cases {
                blackHole(verifier.verify(response: item.response, gold: item.gold))
            }
        }
    }

    let longResponse = DifferentialCases.longResponse()
    Benchmark(
        "math verifier: one 4 MB response",
        configuration: .init(metrics: [.wallClock], timeUnits: .milliseconds, maxDuration: .seconds(5))
    ) { benchmark in
        let verifier = MathVerifier()
        for _ in benchmark.scaledIterations {
            blackHole(verifier.verify(response: longResponse, gold: "42"))
        }
    }
}

enum DifferentialCases {
    struct Case: Decodable {
        var response: String
        var gold: String

        enum CodingKeys: String, CodingKey { case response, gold }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            response = try container.decode(String.self, forKey: .response)
            if let text = try? container.decode(String.self, forKey: .gold) {
                gold = text
            } else {
                gold = VerifyRequestLine.goldText(try container.decode(Double.self, forKey: .gold))
            }
        }
    }

    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/verifier-differential/cases.jsonl")

    static func load() -> [Case] {
        guard let data = try? Data(contentsOf: file) else {
            fatalError("cannot read \(file.path); run from a checkout of gvm")
        }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(Case.self, from: Data($0)) }
    }

    /// Working that repeats for megabytes and ends in a box.
    static func longResponse() -> String {
        let paragraph = "We expand the product and collect like terms, so 3x + 4x = 7x and 7 \\cdot 6 = 42. "
        return String(repeating: paragraph, count: 4_000_000 / paragraph.utf8.count) + "So the answer is \\boxed{42}."
    }
}
