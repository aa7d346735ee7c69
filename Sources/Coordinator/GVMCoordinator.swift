import ArgumentParser
import Shared

@main
struct GVMCoordinator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gvm-coordinator",
        abstract: "Keeps GVM runs and computes variance-optimal sample budgets.",
        version: GVMVersion.current,
        subcommands: [AllocateCommand.self]
    )
}
