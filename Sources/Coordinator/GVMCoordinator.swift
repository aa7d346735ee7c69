import ArgumentParser
import Shared

@main
struct GVMCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gvm-coordinator",
        abstract: "Keeps GVM runs and computes variance-optimal sample budgets.",
        version: GVMVersion.current,
        subcommands: [ServeCommand.self, ImportDatasetCommand.self, CreateRunCommand.self, AllocateCommand.self]
    )
}
