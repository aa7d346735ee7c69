import Foundation
import GRDB
import Policy
import Shared
import Testing
@testable import Coordinator

/// Creating a run on the built-in model: its version-0 weights are read,
/// checked and stored with the run, or the run is refused naming the field.
@Suite("Built-in run creation")
struct BuiltinRunCreationTests {
    func expectRefusal(
        _ harness: BuiltinHarness, _ configuration: RunConfiguration, field: String, mentioning text: String? = nil
    ) async throws {
        do {
            _ = try await harness.store.createRun(configuration, now: Date())
            Issue.record("the run should have been refused for \(field)")
        } catch let error as RequestRefusal {
            #expect(error.kind == .invalid)
            #expect(error.field == field, "\(error)")
            if let text { #expect(error.message.contains(text), "\(error)") }
        }
        #expect(try await harness.store.runs().isEmpty, "a refused run leaves nothing behind")
    }

    @Test("the weights file is stored as version 0 with its SHA-256, in the run's transaction")
    func storesVersionZero() async throws {
        let harness = try await BuiltinHarness()
        let run = try await harness.store.createRun(harness.configuration(), now: Date())
        #expect(run.modelVersion == "0" && run.stage == .sample)
        let stored = try await harness.store.weights(runId: run.runId, version: "0")
        let file = try Data(contentsOf: harness.weightsURL)
        #expect(stored.bytes == file)
        #expect(stored.sha256 == BuiltinWeights.sha256Hex(file) && stored.sha256.count == 64)
        await #expect(throws: RequestRefusal.notFound("run \(run.runId) has no weights of model version \"1\"")) {
            try await harness.store.weights(runId: run.runId, version: "1")
        }
    }

    @Test("a missing weights file is refused as builtin.weights")
    func missingWeights() async throws {
        let harness = try await BuiltinHarness()
        var configuration = harness.configuration()
        configuration.builtin?.weights = harness.base.directory.appendingPathComponent("absent.weights").path
        try await expectRefusal(harness, configuration, field: "builtin.weights", mentioning: "absent.weights")
    }

    @Test("a corrupted weights file is refused as builtin.weights, naming the checksum")
    func corruptWeights() async throws {
        let harness = try await BuiltinHarness()
        var bytes = try Data(contentsOf: harness.weightsURL)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: harness.weightsURL)
        try await expectRefusal(harness, harness.configuration(), field: "builtin.weights", mentioning: "checksum")
    }

    @Test("a file that is not a weights file is refused as builtin.weights")
    func notWeights() async throws {
        let harness = try await BuiltinHarness()
        try Data("{\"not\": \"weights\"}".utf8).write(to: harness.weightsURL)
        try await expectRefusal(harness, harness.configuration(), field: "builtin.weights", mentioning: "magic")
    }

    @Test("weights whose context cannot hold the prompts are refused as builtin.weights")
    func contextTooShort() async throws {
        let harness = try await BuiltinHarness()
        let short = TransformerConfig(contextLength: 4, width: 16, layers: 1, heads: 2)
        try WeightsFile.write(try TransformerModel(config: short, seed: 1), version: 0, to: harness.weightsURL)
        try await expectRefusal(harness, harness.configuration(), field: "builtin.weights", mentioning: "context of 4 tokens")
    }

    @Test("an unknown test dataset is refused as builtin.testDataset")
    func unknownTestDataset() async throws {
        let harness = try await BuiltinHarness()
        var configuration = harness.configuration()
        configuration.builtin?.testDataset = "nowhere"
        try await expectRefusal(harness, configuration, field: "builtin.testDataset", mentioning: "nowhere")
    }

    @Test("a prompt with a character outside the vocabulary is refused as dataset")
    func unreadablePrompt() async throws {
        let harness = try await BuiltinHarness()
        let line = #"{"problem":"2×3=?","answer":"6"}"#
        _ = try await harness.store.importDataset(
            try DatasetParser.parse(name: "unicode", jsonl: Data(line.utf8), options: DatasetImportOptions()), now: Date())
        var configuration = harness.configuration()
        configuration.dataset = "unicode"
        configuration.promptsPerIteration = 1
        try await expectRefusal(harness, configuration, field: "dataset", mentioning: "vocabulary")
    }

    @Test("a built-in run starts at model version 0 and no other")
    func modelVersionZero() async throws {
        let harness = try await BuiltinHarness()
        var configuration = harness.configuration()
        configuration.modelVersion = "3"
        try await expectRefusal(harness, configuration, field: "modelVersion")
    }

    @Test("task levels are kept at import, for per-level accuracy")
    func levelsAreImported() async throws {
        let harness = try await BuiltinHarness()
        let levels = try await harness.store.pool.read { db in
            try Int?.fetchAll(db, sql: """
                SELECT p.level FROM prompt p JOIN dataset d ON d.id = p.datasetId WHERE d.name = 'tasks' ORDER BY p.position
                """)
        }
        #expect(levels == harness.train.map(\.level))
        let parsed = try DatasetParser.parse(
            name: "plain", jsonl: Data(#"{"problem":"p","answer":"1","level":"Level 3"}"#.utf8), options: DatasetImportOptions())
        #expect(parsed.prompts[0].level == nil)
    }
}
