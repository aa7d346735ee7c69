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
            Reads one JSON object on stdin with gradNorms, acceptRates and budget, and optionally \
            alpha, beta, filterThreshold, filterInsufficient, maxSamplesPerPrompt (a whole number; \
            0, the default, means no cap) and strategy (gvm or uniform). Unknown keys are refused. \
            Prints {"counts":[...],"ratios":[...],"unallocated":U}, where U is the part of the \
            budget the cap leaves unallocated.
            """
    )

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        do {
            let allocation = try Self.allocate(json: input)
            FileHandle.standardOutput.write(Data(try AllocateOutput.json(allocation)))
        } catch {
            FileHandle.standardError.write(Data("gvm-coordinator allocate: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Reads, validates and allocates; every failure names its field.
    static func allocate(json: Data) throws -> Allocation {
        let (strategy, request) = try AllocateInput(json: json).resolved()
        return try strategy.strategy.allocate(request)
    }
}
