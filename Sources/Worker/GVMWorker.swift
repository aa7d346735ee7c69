import ArgumentParser
import Shared

@main
struct GVMWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gvm-worker",
        abstract: "Generates, verifies and reports samples for a gvm coordinator.",
        version: GVMVersion.current,
        subcommands: [VerifyCommand.self, RunCommand.self]
    )
}
