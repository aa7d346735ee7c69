import ArgumentParser

/// `--url`, shared by every command that talks to a running coordinator.
struct CoordinatorConnection: ParsableArguments {
    @Option(help: "The coordinator's base URL, e.g. http://127.0.0.1:8420.")
    var url: String

    func client() throws -> CoordinatorAPIClient {
        try CoordinatorAPIClient(url: url)
    }
}

/// `--run N`, for commands about one run.
struct RunSelection: ParsableArguments {
    @Option(help: "The run's id.")
    var run: Int

    func validate() throws {
        guard run >= 1 else { throw ValidationError("--run must be a run id >= 1") }
    }
}
