import Foundation
import GRDB
import Logging
import Shared
import Synchronization
import Testing
@testable import Coordinator

/// A file whose state columns hold a value this gvm does not know (a newer
/// gvm's, or damage) is refused: at open, naming table, column, value and
/// the first row; while serving, with a 500 whose log line names them.
@Suite("A state this gvm does not know")
struct UnknownStateRefusalTests {
    /// A store with rows in every table that has a state column: a run whose
    /// pre-samples take more than one batch (so a `workQueueing` row stays),
    /// a completed lease with traces, a released lease and an active one.
    static func filledStore() async throws -> (harness: StoreHarness, runId: Int, activeLease: Lease) {
        let harness = try StoreHarness()
        _ = try await harness.importMath500()
        let configuration = RunConfiguration(
            dataset: "math500", model: "test-model", presamples: 251, promptsPerIteration: 20, maxSamplesPerLease: 2, seed: 11)
        let run = try await harness.store.createRun(configuration, now: Date())
        let leases = try await harness.store.grantLeases(
            LeaseRequest(workerName: "w1", model: "test-model", capacity: 6), now: Date())
        try #require(leases.count == 3)
        let completed = leases[0]
        _ = try await harness.store.submit(
            leaseId: completed.leaseId,
            result: LeaseResult(generated: completed.sampleCount, samples: (0..<completed.sampleCount).map {
                SampleResult(
                    sampleIndex: completed.firstSampleIndex + $0, response: "\\boxed{1}", reward: 1, gradNorm: 1,
                    completionTokens: 5, finishReason: .stop)
            }),
            now: Date())
        try await harness.store.release(
            leaseId: leases[1].leaseId, release: LeaseRelease(reason: "engine down", kind: .engineError), now: Date())
        return (harness, run.runId, leases[2])
    }

    /// Writes "bogus" into `column` of the last two rows of `table` that
    /// hold a value (of any two rows when none does), by primary key, with its own connection, and returns the
    /// first of them: the row the refusal must name.
    static func writeUnknownValue(path: String, table: String, column: String) throws -> StoredRowKey {
        // The store just dropped may still be closing its connections.
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.write { db in
            let keyColumns = try db.primaryKey(table).columns
            let key = keyColumns.joined(separator: ", ")
            // A nullable column the filled store leaves empty everywhere
            // (iterationPrompt.historyFlag: no run uses history) takes the value in any row.
            let holdsValue = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE \(column) IS NOT NULL)") ?? false
            let filter = holdsValue ? "WHERE \(column) IS NOT NULL" : ""
            let targets = "FROM \(table) \(filter) ORDER BY \(key) DESC LIMIT 2"
            let rows = try Row.fetchAll(db, sql: "SELECT \(key) \(targets)")
            // The first one's key as it reads after the update (the column may be part of it).
            let keyAfter = keyColumns.map { $0 == column ? "'bogus' AS \($0)" : $0 }.joined(separator: ", ")
            let first = try #require(try Row.fetchAll(db, sql: "SELECT \(keyAfter) \(targets)").last, "\(table) has no \(column)")
            for row in rows {
                try db.execute(
                    sql: "UPDATE \(table) SET \(column) = 'bogus' WHERE (\(key)) = (\(databaseQuestionMarks(count: row.count)))",
                    arguments: StatementArguments(row.databaseValues))
            }
            return StoredRowKey(first)
        }
    }

    @Test(
        "reopening a file with an unknown value throws, naming table, column, value and first row",
        arguments: StateColumn.all.map { "\($0.table).\($0.column)" })
    func refusesToOpen(_ name: String) async throws {
        let parts = name.split(separator: ".").map(String.init)
        let path: String
        do {
            // The store goes out of scope here, and with it its connections.
            path = try await Self.filledStore().harness.path
        }
        let row = try Self.writeUnknownValue(path: path, table: parts[0], column: parts[1])
        let column = try #require(StateColumn.all.first { $0.table == parts[0] && $0.column == parts[1] })
        let refusal = UnknownStoredValue(
            table: parts[0], column: parts[1], value: "bogus".databaseValue, row: row, knownValues: column.knownValues)
        #expect(throws: refusal) { try SQLiteStore(path: path, runConfigurations: RunConfigurationCache()) }
        #expect(refusal.description.contains(#"table \#(parts[0]), column \#(parts[1]): unknown value "bogus" in row \#(row)"#))
    }

    @Test("the first row is named by its primary key: an id, or a composite key")
    func rowKeys() async throws {
        let path = try await Self.filledStore().harness.path
        #expect(try Self.writeUnknownValue(path: path, table: "run", column: "state").description == "id 1")
        #expect(try Self.writeUnknownValue(path: path, table: "iteration", column: "stage").description == "runId 1, number 0")
        do {
            _ = try SQLiteStore(path: path, runConfigurations: RunConfigurationCache())
            Issue.record("the store should refuse the file")
        } catch let refusal as UnknownStoredValue {
            // Columns are checked in the catalogue's order: run before iteration.
            #expect(refusal.table == "run" && refusal.column == "state" && refusal.row.description == "id 1")
        }
    }

    @Test("while serving, a row with an unknown value refuses the request that reads it, naming table and row")
    func refusedWhileServing() async throws {
        let (harness, runId, lease) = try await Self.filledStore()
        try await harness.store.pool.write { db in
            try db.execute(sql: "UPDATE lease SET state = 'bogus' WHERE id = ?", arguments: [lease.leaseId])
        }
        let refusal = UnknownStoredValue(
            table: "lease", column: "state", value: "bogus".databaseValue, row: ["id": lease.leaseId],
            knownValues: LeaseState.knownValues)
        await #expect(throws: refusal) { try await harness.store.heartbeat(leaseId: lease.leaseId, now: Date()) }

        try await harness.store.pool.write { db in
            try db.execute(sql: "UPDATE run SET state = 'archived' WHERE id = ?", arguments: [runId])
        }
        await #expect(throws: UnknownStoredValue.self) { try await harness.store.run(id: runId) }
        await #expect(throws: UnknownStoredValue.self) { try await harness.store.gauges(now: Date()) }
    }

    @Test("over HTTP such a request answers 500 with an error id, and the log line names the table and row")
    func answers500() async throws {
        let (harness, runId, _) = try await Self.filledStore()
        try await harness.store.pool.write { db in
            try db.execute(sql: "UPDATE run SET state = 'archived' WHERE id = ?", arguments: [runId])
        }
        let log = CapturedLog()
        let (port, server) = try await LoopbackCoordinator.start(
            store: harness.store, logger: Logger(label: "unknown-state-test") { _ in CapturingLogHandler(sink: log) })
        defer { server.cancel() }

        let client = try CoordinatorAPIClient(url: "http://127.0.0.1:\(port)")
        let failure = await #expect(throws: CommandFailure.self) { try await client.raw("GET", "/v1/runs/\(runId)") }
        let message = failure?.description ?? ""
        #expect(message.hasPrefix("500 internal error (id "), "\(message)")
        #expect(!message.contains("archived") && !message.contains("table"), "\(message)")

        let entry = try #require(log.entries.withLock { $0.first { $0.message == "request failed" } })
        let errorId = try #require(entry.metadata["errorId"]?.description)
        #expect(message.contains("(id \(errorId))"))
        #expect(entry.metadata["table"]?.description == "run" && entry.metadata["row"]?.description == "id \(runId)")
        #expect(entry.metadata["error"]?.description.contains(#"unknown value "archived" in row id \#(runId)"#) == true)
    }

}

/// Log entries kept for the test to read.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var message: String
        var metadata: Logger.Metadata
    }

    let entries = Mutex<[Entry]>([])
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let entry = CapturedLog.Entry(
            message: event.message.description, metadata: metadata.merging(event.metadata ?? [:]) { $1 })
        sink.entries.withLock { $0.append(entry) }
    }
}
