import ArgumentParser
import Shared

@main
struct GVMCoordinator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gvm-coordinator",
        abstract: "Keeps GVM runs and computes variance-optimal sample budgets.",
        version: GVMVersion.current,
        subcommands: [
            ServeCommand.self, ImportDatasetCommand.self, CreateRunCommand.self,
            ListRunsCommand.self, ShowRunCommand.self, ListIterationsCommand.self, ListWorkersCommand.self,
            HistoryCommand.self, PauseCommand.self, ResumeCommand.self, CancelCommand.self, AdvanceCommand.self,
            WaitCommand.self, ExportTracesCommand.self, ExportAllocationCommand.self, AllocateCommand.self,
            TokensCommand.self,
        ]
    )
}
