import ArgumentParser
import ClientAccess
import Foundation

/// `--url` and `--token-file`, shared by every command that talks to a
/// running coordinator.
struct CoordinatorConnection: ParsableArguments {
    @Option(help: "The coordinator's base URL, e.g. http://127.0.0.1:8420.")
    var url: String

    @Option(help: ArgumentHelp(
        "A file holding the bearer token to present (default: the GVM_TOKEN environment variable).",
        discussion: "A coordinator without tokens needs none."))
    var tokenFile: String?

    @Option(help: "CA certificates (PEM) an https coordinator must chain to, instead of the system's.")
    var caFile: String?

    func client() throws -> CoordinatorAPIClient {
        let credential: CoordinatorCredential
        do {
            credential = try CoordinatorCredential.resolve(tokenFile: tokenFile, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file \(caFile) cannot be read")
        }
        return try CoordinatorAPIClient(url: url, credential: credential, caFile: caFile)
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
