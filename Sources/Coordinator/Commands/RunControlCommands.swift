import ArgumentParser
import Foundation
import Shared

/// `pause`: the run hands out no new leases; leases already out may finish.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a run.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    func run() async throws {
        try await RunControl.post(connection, "/v1/runs/\(selection.run)/pause")
    }
}

/// `resume`: a paused run goes on where it stopped.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused run.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    func run() async throws {
        try await RunControl.post(connection, "/v1/runs/\(selection.run)/resume")
    }
}

/// `cancel`: the run's queue is released and late results are refused.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a run.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    func run() async throws {
        try await RunControl.post(connection, "/v1/runs/\(selection.run)/cancel")
    }
}

/// `advance`: an external trainer's new model starts the next iteration,
/// once the current one is done.
struct AdvanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance", abstract: "Start a waiting run's next iteration with a new model version.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    @Option(help: "The new model's name or version, recorded with every trace.")
    var modelVersion: String

    func run() async throws {
        let body = try JSONSerialization.data(withJSONObject: ["modelVersion": modelVersion])
        try await RunControl.post(connection, "/v1/runs/\(selection.run)/advance", body: body)
    }
}

enum RunControl {
    static func post(_ connection: CoordinatorConnection, _ path: String, body: Data = Data("{}".utf8)) async throws {
        try await CommandFailure.exitOnFailure {
            let response = try await connection.client().raw("POST", path, body: body)
            try CoordinatorAPIClient.printPretty(response.body)
        }
    }
}
