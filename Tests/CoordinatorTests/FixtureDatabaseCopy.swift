import Foundation
import GRDB
import Testing
import TestSupport
@testable import Coordinator

/// A copy of a committed database of Tests/Fixtures/databases in a temporary
/// folder (opening migrates the file, so tests never open the original),
/// with its runs' configurations as the old gvm stored them, read before
/// today's store opens it.
struct FixtureDatabaseCopy {
    let path: String
    let storedConfigurations: [Int: String]

    /// `schema` is the number of migrations the fixture must have applied.
    init(_ name: String, schema: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-fixture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: Fixtures.directory.appendingPathComponent("databases/\(name)").path, toPath: path)
        let (applied, configurations) = try DatabaseQueue(path: path).read { db in
            (
                try Schema.migrator.appliedIdentifiers(db).count,
                try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, configuration FROM run").map {
                    ($0["id"] as Int, $0["configuration"] as String)
                })
            )
        }
        #expect(applied == schema, "\(name) is at schema v\(schema)")
        storedConfigurations = configurations
    }
}
