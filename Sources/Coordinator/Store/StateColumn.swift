import GRDB
import Shared

/// A column that keeps a `StoredEnum`. The store checks every one when it
/// opens the file (`checkAll`), so that a value this gvm does not know stops
/// the coordinator before it serves anything, naming where the value lies.
struct StateColumn: Sendable {
    let table: String
    let column: String
    let knownValues: [String]
    private let isKnown: @Sendable (DatabaseValue) -> Bool

    init<Value: StoredEnum>(_ table: String, _ column: String, _: Value.Type) {
        self.table = table
        self.column = column
        knownValues = Value.knownValues
        isKnown = { Value.fromDatabaseValue($0) != nil }
    }

    /// Every state column of the schema (Schema.swift).
    static let all: [StateColumn] = [
        StateColumn("dataset", "state", DatasetRowState.self),
        StateColumn("run", "state", RunState.self),
        StateColumn("iteration", "stage", IterationStage.self),
        StateColumn("promptStatistics", "stage", SamplingStage.self),
        StateColumn("workUnit", "stage", SamplingStage.self),
        StateColumn("workUnit", "state", WorkUnitState.self),
        StateColumn("lease", "state", LeaseState.self),
        StateColumn("lease", "releaseKind", ReleaseKind.self),
        StateColumn("trace", "stage", SamplingStage.self),
        StateColumn("trace", "finishReason", FinishReason.self),
        StateColumn("workQueueing", "stage", SamplingStage.self),
        StateColumn("iterationPrompt", "historyFlag", HistoryFlag.self),
        StateColumn("iterationPrompt", "roundStop", SampleRounds.Stop.self),
    ]

    /// Throws `UnknownStoredValue` for the first column, in `all`'s order,
    /// that holds a value no case has.
    static func checkAll(_ db: Database) throws {
        for column in all { try column.check(db) }
    }

    /// Every distinct value must be known; NULL stands for none (only
    /// nullable columns hold it). The error names the first row, by primary
    /// key, that holds the first unknown value.
    func check(_ db: Database) throws {
        let values = try DatabaseValue.fetchAll(db, sql: "SELECT DISTINCT \(column) FROM \(table) ORDER BY \(column)")
        guard let unknown = values.first(where: { !$0.isNull && !isKnown($0) }) else { return }
        let key = try db.primaryKey(table).columns.joined(separator: ", ")
        let first = try Row.fetchOne(
            db, sql: "SELECT \(key) FROM \(table) WHERE \(column) = ? ORDER BY \(key) LIMIT 1", arguments: [unknown])
        // The row exists: the value was read from it in this transaction.
        throw UnknownStoredValue(
            table: table, column: column, value: unknown, row: StoredRowKey(first ?? Row()), knownValues: knownValues)
    }
}
