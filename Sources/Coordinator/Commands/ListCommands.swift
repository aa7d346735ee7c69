import ArgumentParser
import Foundation

/// `list-runs`, `show-run`, `list-iterations`, `list-workers` and `history`:
/// the coordinator's answers, indented for people.
struct ListRunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-runs", abstract: "List every run.")
    @OptionGroup var connection: CoordinatorConnection

    func run() async throws { try await Listing.show(connection, "/v1/runs") }
}

struct ShowRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show-run", abstract: "Show a run and its configuration.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    func run() async throws { try await Listing.show(connection, "/v1/runs/\(selection.run)") }
}

struct ListIterationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-iterations", abstract: "List a run's iterations: acceptance, allocation and, for built-in runs, training and test accuracy.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    func run() async throws { try await Listing.show(connection, "/v1/runs/\(selection.run)/iterations") }
}

struct ListWorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-workers", abstract: "List the workers that have asked for work.")
    @OptionGroup var connection: CoordinatorConnection

    func run() async throws { try await Listing.show(connection, "/v1/workers") }
}

/// Per-prompt history: one iteration's prompts, or one prompt across iterations.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Per-prompt statistics: pre-sampled and accepted counts, p, mean and RMS gradient norm, n_i, accepted samples.")
    @OptionGroup var connection: CoordinatorConnection
    @OptionGroup var selection: RunSelection

    @Option(help: "One iteration's prompts.")
    var iteration: Int?

    @Option(help: "One prompt (its dataset position) across every iteration.")
    var prompt: Int?

    func validate() throws {
        guard (iteration == nil) != (prompt == nil) else { throw ValidationError("give exactly one of --iteration or --prompt") }
    }

    func run() async throws {
        if let iteration {
            try await Listing.show(connection, "/v1/runs/\(selection.run)/iterations/\(iteration)/prompts")
        } else if let prompt {
            try await Listing.show(connection, "/v1/runs/\(selection.run)/prompts/\(prompt)/history")
        }
    }
}

enum Listing {
    static func show(_ connection: CoordinatorConnection, _ path: String) async throws {
        try await CommandFailure.exitOnFailure {
            let response = try await connection.client().raw("GET", path)
            try CoordinatorAPIClient.printPretty(response.body)
        }
    }
}
