import ArgumentParser
import Foundation
import Shared

/// `gvm-coordinator create-run --url URL --config FILE`
struct CreateRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-run",
        abstract: "Create a run on a running coordinator from a JSON configuration.")

    @OptionGroup var connection: CoordinatorConnection

    @Option(help: "The run configuration (JSON); - reads stdin.")
    var config: String

    func run() async throws {
        let data: Data
        do {
            data = config == "-"
                ? FileHandle.standardInput.readDataToEndOfFile()
                : try Data(contentsOf: URL(fileURLWithPath: config))
        } catch {
            throw ValidationError("cannot read \(config): \(error.localizedDescription)")
        }
        try await CommandFailure.exitOnFailure {
            let client = try connection.client()
            let run = try await client.send("POST", "/v1/runs", body: data, as: RunSummary.self)
            try CoordinatorAPIClient.printJSON(run)
        }
    }
}
