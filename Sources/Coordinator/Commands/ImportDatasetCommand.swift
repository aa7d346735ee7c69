import ArgumentParser
import Foundation
import Shared

/// `gvm-coordinator import-dataset --url URL --name NAME FILE`
struct ImportDatasetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-dataset",
        abstract: "Import a JSONL prompt set into a running coordinator.")

    @OptionGroup var connection: CoordinatorConnection

    @Option(help: "The dataset's name, used by runs.")
    var name: String

    @Option(help: "The field holding the problem.")
    var problemField: String = "problem"

    @Option(help: "The field holding the gold answer (a string or a number).")
    var answerField: String = "answer"

    @Flag(help: "Take the gold answer from the last \\boxed{} of the answer field (Minerva Math).")
    var answerFromLastBox = false

    @Argument(help: "The JSONL file.")
    var file: String

    func run() async throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "name", value: name),
            URLQueryItem(name: "problemField", value: problemField),
            URLQueryItem(name: "answerField", value: answerField),
            URLQueryItem(name: "answerFromLastBox", value: answerFromLastBox ? "true" : "false"),
        ]
        try await CommandFailure.exitOnFailure {
            let client = try connection.client()
            let summary = try await client.send(
                "POST", "/v1/datasets?" + (query.percentEncodedQuery ?? ""), body: data,
                contentType: "application/x-ndjson", as: DatasetSummary.self)
            try CoordinatorAPIClient.printJSON(summary)
        }
    }
}

extension CommandFailure {
    /// Runs an operator command body; a failure prints one line and exits 1.
    static func exitOnFailure(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("error: \(failure.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}
