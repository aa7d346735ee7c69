import ArgumentParser
import Foundation
import Shared

/// `export-traces`: an iteration's traces as JSONL on stdout, streamed.
struct ExportTracesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-traces", abstract: "Write an iteration's traces as JSONL to stdout, grouped by prompt.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    @Option(help: "The iteration.")
    var iteration: Int

    @Option(help: "Only this stage: presample or sample.")
    var stage: SamplingStage?

    func run() async throws {
        let query = stage.map { "?stage=\($0.rawValue)" } ?? ""
        try await CommandFailure.exitOnFailure {
            try await connection.client().download("/v1/runs/\(selection.run)/iterations/\(iteration)/traces\(query)")
        }
    }
}

/// `export-allocation`: `{"counts":[...],"ratios":[...]}` indexed by dataset
/// position; the counts alone are the reference's sample-sizes file.
struct ExportAllocationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-allocation", abstract: "Write an iteration's n_i, indexed by dataset position, to stdout.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    @Option(help: "The iteration.")
    var iteration: Int

    func run() async throws {
        try await CommandFailure.exitOnFailure {
            try await connection.client().download("/v1/runs/\(selection.run)/iterations/\(iteration)/allocation")
        }
    }
}

extension SamplingStage: ExpressibleByArgument {}
