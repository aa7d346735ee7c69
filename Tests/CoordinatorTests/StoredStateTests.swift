import Foundation
import GRDB
import Shared
import Testing
@testable import Coordinator

/// The enums the store keeps in TEXT columns, and the catalogue of those
/// columns that the store checks when it opens a file.
@Suite("Stored states")
struct StoredStateTests {
    /// Every case is stored as its raw value and read back as itself; any
    /// other text reads as no case at all.
    static func roundTrips<Value: StoredEnum & Equatable>(_: Value.Type) {
        for value in Value.allCases {
            #expect(value.databaseValue == value.rawValue.databaseValue)
            #expect(Value.fromDatabaseValue(value.databaseValue) == value)
        }
        #expect(Value.fromDatabaseValue("bogus".databaseValue) == nil)
        #expect(Value.fromDatabaseValue(DatabaseValue.null) == nil)
    }

    @Test("each stored enum round-trips through DatabaseValue and knows no other value")
    func enumsRoundTrip() {
        Self.roundTrips(RunState.self)
        Self.roundTrips(IterationStage.self)
        Self.roundTrips(SamplingStage.self)
        Self.roundTrips(WorkUnitState.self)
        Self.roundTrips(LeaseState.self)
        Self.roundTrips(ReleaseKind.self)
        Self.roundTrips(FinishReason.self)
        Self.roundTrips(DatasetRowState.self)
    }

    @Test("the values the store has always written are the enums' cases")
    func storedValues() {
        #expect(WorkUnitState.knownValues == ["queued", "leased", "done", "failed", "cancelled"])
        #expect(LeaseState.knownValues == ["active", "expired", "completed", "released", "superseded", "cancelled"])
        #expect(WorkUnitState.open == [.queued, .leased, .cancelled])
        #expect(LeaseState.allCases.filter(\.isUnfinished) == [.active, .expired])
    }

    @Test("every catalogued column exists, its schema default is a known value, and every state or stage column is catalogued")
    func catalogueMatchesSchema() async throws {
        let harness = try StoreHarness()
        try await harness.store.pool.read { db in
            var catalogued: Set<String> = []
            for column in StateColumn.all {
                let info = try Row.fetchAll(db, sql: "SELECT * FROM pragma_table_info(?)", arguments: [column.table])
                let row = try #require(info.first { ($0["name"] as String) == column.column }, "\(column.table).\(column.column)")
                #expect((row["type"] as String) == "TEXT")
                if let fallback: String = row["dflt_value"] {
                    // A default is SQL text: 'ready'.
                    #expect(column.knownValues.contains(fallback.trimmingCharacters(in: ["'"])), "\(column.table).\(column.column)")
                }
                catalogued.insert("\(column.table).\(column.column)")
            }
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            where table != "grdb_migrations" {
                for name in try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [table])
                where ["state", "stage", "releaseKind", "finishReason"].contains(name) {
                    #expect(catalogued.contains("\(table).\(name)"), "\(table).\(name) is not checked at open")
                }
            }
            // A fresh file passes the check.
            try StateColumn.checkAll(db)
        }
    }

    @Test("an unknown value names the table, column, value and row, and answers 500 with an error id and nothing more")
    func refusal() {
        let refusal = UnknownStoredValue(
            table: "iteration", column: "stage", value: "bogus".databaseValue, row: ["runId": 1, "number": 0],
            knownValues: IterationStage.knownValues)
        #expect(refusal.row.description == "runId 1, number 0")
        #expect(refusal.description.hasPrefix(#"table iteration, column stage: unknown value "bogus" in row runId 1, number 0"#))
        #expect(refusal.description.contains("presample, allocate, sample, train, evaluate, done"))
        #expect((["id": "3f2a"] as StoredRowKey).description == #"id "3f2a""#)

        let answer = ErrorAnswer(refusal, makeId: { "0badc0de" })
        #expect(answer == ErrorAnswer(status: .internalServerError, message: "internal error (id 0badc0de)", errorId: "0badc0de"))
    }
}
