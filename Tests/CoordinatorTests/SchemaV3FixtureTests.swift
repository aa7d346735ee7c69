import Foundation
import GRDB
import Policy
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// A database that the previous gvm (schema v3, before order versions and
/// epochs) wrote for real: see Tests/Fixtures/databases/README.md. Run 1 is a
/// built-in run, uniform, with iteration 0 trained (8 steps, by that gvm) and
/// iteration 1 part-way through its sample stage; run 2 is a plain gvm run
/// part-way through iteration 0's sample stage. Today's store must open it,
/// read every run as it was, and resume both in their old order.
@Suite("A schema-v3 database")
struct SchemaV3FixtureTests {
    static let builtinRun = 1
    static let plainRun = 2

    /// Fields today's configuration has that the fixture's gvm did not write,
    /// each with the value that means what those runs did.
    /// `maxAttemptsPerUnit` is the one exception: old runs retried a unit
    /// without end, which was the bug the budget fixes, so resumed runs get
    /// the default budget too.
    static var addedSinceV3: [String: Any] {
        ["maxSamplesPerPrompt": 0, "presampleAccounting": "separate", "maxAttemptsPerUnit": 5]
    }

    /// A built-in harness whose store is the fixture's: its `result(for:)`
    /// answers the fixture's leases and its trainer trains the fixture's runs.
    static func harness(_ copy: FixtureDatabaseCopy) async throws -> BuiltinHarness {
        var harness = try await BuiltinHarness()
        harness.base.store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        return harness
    }

    static func jsonObject(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Whether two JSON values say the same (numbers by value: 1 and 1.0 agree).
    static func same(_ a: Any?, _ b: Any?) -> Bool {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            return Set(a.keys) == Set(b.keys) && a.allSatisfy { same($0.value, b[$0.key]) }
        case let (a as [Any], b as [Any]):
            return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case let (a as String, b as String):
            return a == b
        case let (a as NSNumber, b as NSNumber):
            return a == b
        case (is NSNull, is NSNull):
            return true
        default:
            return false
        }
    }

    /// The prompts of an iteration, in batch order.
    static func batch(_ store: SQLiteStore, runId: Int, iteration: Int) async throws -> [Int] {
        try await store.promptStatistics(runId: runId, iteration: iteration).map(\.promptId)
    }

    /// What `IterationPlanner` gives a run of the fixture today.
    static func plannedBatch(_ summary: RunSummary, iteration: Int, datasetSize: Int, version: OrderVersion) -> [Int] {
        IterationPlanner.batch(iteration: iteration, configuration: summary.configuration, orderVersion: version, datasetSize: datasetSize)
    }

    /// Today's trainer on an iteration's stored inputs, for all its steps.
    static func train(_ store: SQLiteStore, runId: Int, iteration: Int, version: OrderVersion) async throws -> (steps: Int, bytes: Data) {
        let inputs = try await store.trainingInputs(runId: runId, iteration: iteration)
        let session = try TrainingSession(inputs: inputs, orderVersion: version)
        for _ in 0..<session.steps { _ = session.step() }
        let next = try #require(UInt64(inputs.modelVersion)) + 1
        return (session.steps, session.weights(version: next).bytes)
    }

    /// What rounding alone may move retrained weights, as a fraction of the
    /// training step. Measured with OPENBLAS_CORETYPE set: 0 with the Haswell
    /// and Zen kernels (the fixture's machine), 0.0019 with SkylakeX, 0.0033
    /// with Sandybridge; a different minibatch order moves them by 1.03.
    static let roundingDistance = 0.03

    /// How far `weights` lie from `reference`, relative to the step that
    /// training took from `start`: ‖weights − reference‖ / ‖reference − start‖.
    /// The fixture's weights were trained on another machine, and OpenBLAS's
    /// kernels round differently on different CPUs, so today's retraining
    /// matches them to a small fraction of the step, not byte for byte.
    static func relativeDistance(_ weights: Data, from reference: Data, start: Data) throws -> Double {
        let (a, b, s) = try (WeightsFile.decode([UInt8](weights)), WeightsFile.decode([UInt8](reference)), WeightsFile.decode([UInt8](start)))
        #expect(a.config == b.config && a.parameters.count == s.parameters.count)
        var apart = 0.0, step = 0.0
        for index in b.parameters.indices {
            apart += pow(Double(a.parameters[index] - b.parameters[index]), 2)
            step += pow(Double(b.parameters[index] - s.parameters[index]), 2)
        }
        return (apart / step).squareRoot()
    }

    /// Today's retraining of a run's stored version `version`, from its traces
    /// in `order`: its distance to the stored weights (see `relativeDistance`).
    static func retrainingDistance(_ store: SQLiteStore, runId: Int, iteration: Int, order: OrderVersion) async throws -> (steps: Int, distance: Double) {
        let stored = try await store.weights(runId: runId, version: String(iteration + 1)).bytes
        let start = try await store.weights(runId: runId, version: String(iteration)).bytes
        let retrained = try await train(store, runId: runId, iteration: iteration, version: order)
        return (retrained.steps, try relativeDistance(retrained.bytes, from: stored, start: start))
    }

    @Test("it migrates, and every run reads back as stored: its configuration's meaning, version 0, its old batches")
    func opens() async throws {
        let copy = try FixtureDatabaseCopy("schema-v3.gvmdb", schema: 3)
        let store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        let migrated = try await store.pool.read { db in
            (try Schema.migrator.hasCompletedMigrations(db), try Schema.migrator.appliedIdentifiers(db))
        }
        #expect(migrated.0 && migrated.1.count == Schema.migrator.migrations.count)

        let runs = try await store.runs()
        #expect(runs.map(\.runId) == [Self.builtinRun, Self.plainRun])
        // The reads an operator starts with work on it too.
        let status = try await store.status(now: Date())
        #expect(status.runs.map(\.stage) == [.sample, .sample])
        #expect(try await store.iterations(runId: Self.builtinRun).map(\.stage) == [.done, .sample])
        for run in runs {
            #expect(run.orderVersion == .standardLibrary, "run \(run.runId) was made before order versions")
            #expect(run.gvmVersion == "0.1.0" && run.state == .active)
            let stored = try Self.jsonObject(Data(try #require(copy.storedConfigurations[run.runId]).utf8))
            let today = try Self.jsonObject(try WireJSON.encoder().encode(run.configuration))
            for (key, value) in stored {
                #expect(Self.same(value, today[key]), "run \(run.runId): \(key) was \(value), reads as \(String(describing: today[key]))")
            }
            for key in Set(today.keys).subtracting(stored.keys) {
                #expect(Self.same(today[key], Self.addedSinceV3[key]), "run \(run.runId): \(key) is new; what did old runs mean by it?")
            }
        }
        let builtin = try #require(runs[0].configuration.builtin)
        #expect(builtin.stepsPerIteration == 8 && builtin.epochsPerIteration == nil && builtin.trainingSteps == .fixed(8))
        #expect(runs[1].configuration.builtin == nil && runs[1].configuration.strategy == .gvm)

        // The batches the old gvm made are the standard library's order, not gvm's own.
        for (run, datasetSize, iterations) in [(runs[0], 12, 0...1), (runs[1], 20, 0...0)] {
            for iteration in iterations {
                let batch = try await Self.batch(store, runId: run.runId, iteration: iteration)
                #expect(batch == Self.plannedBatch(run, iteration: iteration, datasetSize: datasetSize, version: .standardLibrary))
                #expect(batch != Self.plannedBatch(run, iteration: iteration, datasetSize: datasetSize, version: .fisherYates))
            }
        }

        // Today's trainer, on iteration 0's stored traces in version 0's order,
        // makes the old gvm's version-1 weights in 8 steps (to rounding: the
        // fixture was trained on another CPU); gvm's own order does not.
        let retrained = try await Self.retrainingDistance(store, runId: Self.builtinRun, iteration: 0, order: .standardLibrary)
        let reordered = try await Self.retrainingDistance(store, runId: Self.builtinRun, iteration: 0, order: .fisherYates)
        #expect(retrained.steps == 8 && retrained.distance < Self.roundingDistance, "distance \(retrained.distance)")
        #expect(reordered.distance > 10 * Self.roundingDistance, "distance \(reordered.distance)")
        #expect(try await store.iterations(runId: Self.builtinRun).first?.training?.steps == 8)
    }

    @Test("both runs resume in their old order: the built-in one trains 8 steps, the next batches are version 0's")
    func resumes() async throws {
        let copy = try FixtureDatabaseCopy("schema-v3.gvmdb", schema: 3)
        let harness = try await Self.harness(copy)
        let store = harness.store
        let before = try await store.runs()
        let queued = try await store.pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(
                db, sql: "SELECT runId, count(*) AS n FROM workUnit WHERE state = 'queued' GROUP BY runId"
            ).map { ($0["runId"] as Int, $0["n"] as Int) })
        }
        #expect(queued[Self.builtinRun] ?? 0 > 0 && queued[Self.plainRun] ?? 0 > 0, "both runs have work left")

        // The built-in run's queued leases of iteration 1, on version 1.
        var leases = 0
        while true {
            let granted = try await store.grantLeases(LeaseRequest(workerName: "today", model: "builtin", capacity: 64), now: Date())
            if granted.isEmpty { break }
            for lease in granted {
                #expect(lease.runId == Self.builtinRun && lease.iteration == 1 && lease.modelVersion == "1")
                _ = try await store.submit(leaseId: lease.leaseId, result: try await harness.result(for: lease), now: Date())
                leases += 1
            }
        }
        #expect(leases == queued[Self.builtinRun])
        #expect(try await store.run(id: Self.builtinRun).stage == .train)
        // Train and evaluate iteration 1; iteration 2 starts on version 2.
        #expect(try await harness.trainer().processPending() == 2)
        let builtin = try await store.run(id: Self.builtinRun)
        #expect(builtin.iteration == 2 && builtin.stage == .sample && builtin.modelVersion == "2")
        let training = try #require(try await store.iterations(runId: Self.builtinRun)[1].training)
        #expect(training.steps == 8 && training.stepsDone == 8 && training.modelVersion == "2")
        // The trainer used version 0's minibatches: the same bytes as today's
        // session in that order, and not in gvm's own.
        let trained = try await store.weights(runId: Self.builtinRun, version: "2")
        #expect(try await Self.train(store, runId: Self.builtinRun, iteration: 1, version: .standardLibrary).bytes == trained.bytes)
        #expect(try await Self.train(store, runId: Self.builtinRun, iteration: 1, version: .fisherYates).bytes != trained.bytes)
        #expect(
            try await Self.batch(store, runId: Self.builtinRun, iteration: 2)
                == Self.plannedBatch(builtin, iteration: 2, datasetSize: 12, version: .standardLibrary))

        // The plain run's queued sample leases (one was released), with the
        // seeds the old gvm queued them with; then iteration 1 starts.
        let plainConfiguration = try await store.run(id: Self.plainRun).configuration
        var plainLeases = 0
        while try await store.run(id: Self.plainRun).iteration == 0 {
            let granted = try await store.grantLeases(LeaseRequest(workerName: "today", model: "sim", capacity: 64), now: Date())
            try #require(!granted.isEmpty, "iteration 0 has work left")
            for lease in granted {
                #expect(lease.runId == Self.plainRun && lease.iteration == 0 && lease.stage == .sample)
                #expect(lease.seed == RunDeterminism.leaseSeed(
                    runSeed: plainConfiguration.seed, iteration: 0, stage: .sample, promptId: lease.promptId,
                    firstSampleIndex: lease.firstSampleIndex))
                _ = try await store.submit(leaseId: lease.leaseId, result: StoreFixtures.result(for: lease), now: Date())
                plainLeases += 1
            }
        }
        #expect(plainLeases == queued[Self.plainRun])
        let plain = try await store.run(id: Self.plainRun)
        #expect(plain.iteration == 1 && plain.stage == .presample && plain.orderVersion == .standardLibrary)
        #expect(try await store.iterations(runId: Self.plainRun)[0].stage == .done)
        #expect(
            try await Self.batch(store, runId: Self.plainRun, iteration: 1)
                == Self.plannedBatch(plain, iteration: 1, datasetSize: 20, version: .standardLibrary))

        // Resuming rewrote no configuration.
        let after = try await store.pool.read { db in
            try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, configuration FROM run").map {
                ($0["id"] as Int, $0["configuration"] as String)
            })
        }
        #expect(after == copy.storedConfigurations)
        #expect(try await store.runs().map(\.configuration) == before.map(\.configuration))
    }

    @Test("a stored built-in configuration without stepsPerIteration still means 8 steps")
    func withoutSteps() async throws {
        let copy = try FixtureDatabaseCopy("schema-v3.gvmdb", schema: 3)
        let store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        try await store.pool.write { db in
            try db.execute(
                sql: "UPDATE run SET configuration = json_remove(configuration, '$.builtin.stepsPerIteration') WHERE id = ?",
                arguments: [Self.builtinRun])
        }
        let builtin = try #require(try await store.run(id: Self.builtinRun).configuration.builtin)
        #expect(builtin.stepsPerIteration == nil && builtin.epochsPerIteration == nil && builtin.trainingSteps == .fixed(8))
        let retrained = try await Self.retrainingDistance(store, runId: Self.builtinRun, iteration: 0, order: .standardLibrary)
        #expect(retrained.steps == 8 && retrained.distance < Self.roundingDistance)
    }

    @Test("repeats of leases finished before result digests are answered as before, whatever their body")
    func oldRepeats() async throws {
        let copy = try FixtureDatabaseCopy("schema-v3.gvmdb", schema: 3)
        let finished = try await DatabaseQueue(path: copy.path).read { db in
            try Row.fetchAll(db, sql: "SELECT id, receipt FROM lease WHERE state = 'completed' ORDER BY id LIMIT 3")
                .map { ($0["id"] as String, $0["receipt"] as String) }
        }
        try #require(!finished.isEmpty)
        let store = try SQLiteStore(path: copy.path, runConfigurations: RunConfigurationCache())
        for (leaseId, stored) in finished {
            let old = try WireJSON.decoder().decode(SubmissionReceipt.self, from: Data(stored.utf8))
            // No digest was kept, so even another body is taken as the repeat it always was.
            let replay = try await store.submit(leaseId: leaseId, result: LeaseResult(generated: 1, samples: []), now: Date())
            #expect(replay.duplicate && replay.recordedSamples == old.recordedSamples && replay.acceptedSamples == old.acceptedSamples)
        }
    }
}
