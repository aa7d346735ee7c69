import Foundation
import Shared
import Testing
@testable import Coordinator

/// A run keeps the strategy and parameters it resolved when it was created:
/// the store writes every resolved field, so a later change of a default
/// cannot reach a stored run.
@Suite("Stored runs keep their strategy and parameters")
struct StoredStrategyTests {
    /// The top-level fields that choose the strategy and carry its parameters.
    static let strategyFields = [
        "strategy", "presamples", "alpha", "beta", "filterThreshold", "filterInsufficient",
        "gradNormStatistic", "presampleAccounting", "trainOnPresamples", "maxSamplesPerPrompt",
    ]

    @Test(
        "a configuration decoded with defaults is stored with every strategy field and reads back the same",
        arguments: [
            #"{"dataset":"d","model":"m","promptsPerIteration":4}"#,
            #"{"dataset":"d","model":"m","promptsPerIteration":4,"strategy":"uniform"}"#,
            #"{"dataset":"d","model":"m","promptsPerIteration":4,"presamples":3,"alpha":0.5,"maxSamplesPerPrompt":12}"#,
        ])
    func storedWhole(json: String) throws {
        let created = try JSONInput.decode(RunConfiguration.self, from: Data(json.utf8))
        try created.validate()
        let stored = try SQLiteStore.json(created)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        for field in Self.strategyFields {
            #expect(object[field] != nil, "\(field) is stored absent, so a later default would change it")
        }
        let read = try SQLiteStore.decode(RunConfiguration.self, json: stored)
        #expect(read == created)
        #expect(read.strategy == created.strategy && read.strategyNeeds == created.strategyNeeds)
    }

    @Test("the schema-v3 fixture's runs keep the strategies they were stored with: uniform and gvm")
    func fixtureKeepsStrategies() async throws {
        let copy = try FixtureDatabaseCopy("schema-v3.gvmdb", schema: 3)
        let store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        let runs = try await store.runs()
        #expect(runs.map(\.configuration.strategy) == [.uniform, .gvm])
        for run in runs {
            let stored = Data(try #require(copy.storedConfigurations[run.runId]).utf8)
            let object = try #require(try JSONSerialization.jsonObject(with: stored) as? [String: Any])
            #expect(object["strategy"] as? String == run.configuration.strategy.rawValue)
            #expect(object["presamples"] as? Int == run.configuration.presamples)
            #expect(object["alpha"] as? Double == run.configuration.alpha)
            #expect(object["beta"] as? Double == run.configuration.beta)
        }
        #expect(runs[0].configuration.strategyNeeds == StrategyNeeds(presamples: .none))
        #expect(runs[1].configuration.strategyNeeds == StrategyNeeds(presamples: .everyPrompt(count: runs[1].configuration.presamples)))
    }
}
