import ArgumentParser

/// gvm-model: the built-in model's offline commands.
@main
struct ModelTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gvm-model",
        abstract: "Generate the built-in arithmetic tasks, warm-start, evaluate and benchmark the built-in model.",
        subcommands: [
            TasksCommand.self, WarmStartCommand.self, EvaluateCommand.self, BenchCommand.self, GradientPoolsCommand.self,
        ]
    )
}
