import ArgumentParser
import Foundation
import Shared

/// `wait`: blocks until an iteration is done. Exit status: 0 done, 1 an
/// error, 2 the timeout passed, 3 the run was cancelled first.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait", abstract: "Wait until an iteration of a run is done.",
        discussion: "Exit status: 0 when the iteration is done, 2 when --timeout passes first, 3 when the run is cancelled, 1 on any other error.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    @Option(help: "The iteration (default: the run's current one).")
    var iteration: Int?

    @Option(help: "Seconds to wait at most.")
    var timeout: Double = 3600

    struct Answer: Decodable {
        var done: Bool
        var state: String
    }

    struct RunView: Decodable {
        var iteration: Int
    }

    func validate() throws {
        guard timeout.isFinite, timeout >= 0 else { throw ValidationError("--timeout must be a number of seconds >= 0") }
        if let iteration, iteration < 0 { throw ValidationError("--iteration must be >= 0") }
    }

    func run() async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var outcome: Int32 = 2
        try await CommandFailure.exitOnFailure {
            let client = try connection.client()
            var target = iteration ?? 0
            if iteration == nil {
                target = try await client.send("GET", "/v1/runs/\(selection.run)", as: RunView.self).iteration
            }
            // Long polls of at most 20 s each (the coordinator's limit, which
            // keeps its graceful shutdown short), repeated until --timeout.
            while true {
                let left = (deadline - ContinuousClock.now).components.seconds
                let slice = max(0, min(20, left))
                let response = try await client.raw(
                    "GET", "/v1/runs/\(selection.run)/iterations/\(target)/wait?timeoutSeconds=\(slice)")
                let answer = try WireJSON.decoder().decode(Answer.self, from: response.body)
                if answer.done || answer.state == "cancelled" || ContinuousClock.now >= deadline {
                    try CoordinatorAPIClient.printPretty(response.body)
                    outcome = answer.done ? 0 : (answer.state == "cancelled" ? 3 : 2)
                    return
                }
            }
        }
        if outcome != 0 { throw ExitCode(outcome) }
    }
}
