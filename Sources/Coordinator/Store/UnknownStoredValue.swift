import GRDB

/// A state column holds a value that no case of its enum has: a newer gvm's
/// file, or a damaged one. Reading it with a default would quietly change
/// what the coordinator does, so the store refuses instead: to open the file
/// (`StateColumn.checkAll`), or, should one appear later, the request (500
/// with an error id; the log line carries this description).
struct UnknownStoredValue: Error, Equatable, CustomStringConvertible {
    var table: String
    var column: String
    var value: DatabaseValue
    var row: StoredRowKey
    var knownValues: [String]

    var description: String {
        "table \(table), column \(column): unknown value \(value) in row \(row) "
            + "(this gvm knows \(knownValues.joined(separator: ", "))); refusing to read it with a default"
    }
}

/// A row by its primary key, as the store's errors name it: `id 7`,
/// `runId 1, number 0`, `id "3f2a…"` (text quoted, as GRDB describes values).
struct StoredRowKey: Equatable, Sendable, CustomStringConvertible, ExpressibleByDictionaryLiteral {
    let description: String

    init(dictionaryLiteral columns: (String, any DatabaseValueConvertible)...) {
        description = columns.map { "\($0.0) \($0.1.databaseValue)" }.joined(separator: ", ")
    }

    /// Every column of `row`, in order.
    init(_ row: Row) {
        description = zip(row.columnNames, row.databaseValues).map { "\($0) \($1)" }.joined(separator: ", ")
    }
}

extension Row {
    /// The case stored in `column`. Any other value (NULL included) throws
    /// `UnknownStoredValue` naming `table` and `row`; there is no default.
    func stored<Value: StoredEnum>(_ column: String, table: String, row key: @autoclosure () -> StoredRowKey) throws -> Value {
        let value: DatabaseValue = self[column]
        guard let decoded = Value.fromDatabaseValue(value) else {
            throw UnknownStoredValue(table: table, column: column, value: value, row: key(), knownValues: Value.knownValues)
        }
        return decoded
    }

    /// The same for a nullable column: nil for NULL, the case otherwise.
    func storedIfPresent<Value: StoredEnum>(
        _ column: String, table: String, row key: @autoclosure () -> StoredRowKey
    ) throws -> Value? {
        let value: DatabaseValue = self[column]
        return value.isNull ? nil : try stored(column, table: table, row: key())
    }
}
