import Foundation
import Shared
@testable import Coordinator

/// A real SQLite store in a temporary folder, for the tests that need SQLite
/// itself (its pool, raw SQL, its file). Store behaviour that any engine must
/// have is tested through `StoreConformanceHarness` instead.
struct StoreHarness {
    let directory: URL
    let path: String
    var store: SQLiteStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("coordinator.sqlite").path
        store = try SQLiteStore(path: path, runConfigurations: RunConfigurationCache())
    }

    /// Opens the same file again, as a restarted coordinator would.
    mutating func reopen() throws {
        store = try SQLiteStore(path: path, runConfigurations: RunConfigurationCache())
    }

    func importMath500(name: String = "math500") async throws -> DatasetSummary {
        try await StoreFixtures.importMath500(into: store, name: name)
    }

    /// Leases and completes work until none is left; returns how many leases it took.
    @discardableResult
    func drain(worker: String = "w1", now: Date = Date()) async throws -> Int {
        try await StoreFixtures.drain(store, worker: worker, now: now)
    }
}
