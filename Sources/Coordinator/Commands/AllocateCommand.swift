import ArgumentParser
import Foundation
import Shared

/// `gvm-coordinator allocate`: one allocation from a JSON document on stdin,
/// through the same strategy code the coordinator uses for its iterations.
struct AllocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Allocate a sample budget over prompts.",
        discussion: """
            Reads one JSON object on stdin with gradNorms, acceptRates, alpha, beta, budget, \
            and optionally filterThreshold, filterInsufficient and strategy (gvm or uniform). \
            Prints {"counts":[...],"ratios":[...]}.
            """
    )

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            let allocation = try Self.allocate(json: input)
            // Sorted keys give the documented {"counts":...,"ratios":...}.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            FileHandle.standardOutput.write(try encoder.encode(allocation) + Data("\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("gvm-coordinator allocate: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Decodes, validates and allocates; every failure names its field.
    static func allocate(json: Data) throws -> Allocation {
        let decoded = try JSONInput.decode(AllocateInput.self, from: json)
        let (strategy, request) = try decoded.resolved()
        return try strategy.strategy.allocate(request)
    }
}
