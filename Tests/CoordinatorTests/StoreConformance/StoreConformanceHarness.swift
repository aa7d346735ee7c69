import Foundation
import Shared
import Testing
@testable import Coordinator

// The store conformance suite: every store behaviour (lease rules, restarts,
// repeats, late results, the retry budget, run control, exports) is tested
// through this harness, against `any CoordinatorStorage`, for every engine in
// `StoreEngine.all`. Every new store behaviour is tested here too, so that a
// new engine is one line in that list and passes the same suite unchanged.

/// One storage engine the conformance suite runs against.
struct StoreEngine: Sendable, CustomTestStringConvertible {
    let name: String
    /// Makes fresh, empty durable state of this engine's own (a new file, a
    /// new database) and returns the means to open it, as often as needed:
    /// each open after the first is a coordinator restarting on that state.
    let provision: @Sendable () throws -> StoreOpener

    var testDescription: String { name }

    /// The engines the suite runs against.
    static let all: [StoreEngine] = [.sqlite]

    /// A file in a temporary folder, opened as the coordinator opens it.
    static let sqlite = StoreEngine(name: "SQLite") {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gvm-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("coordinator.sqlite").path
        return StoreOpener { try StoreFactory.open(path: path, maxDatabaseMiB: nil) }
    }
}

/// Opens one engine's durable state made by `StoreEngine.provision`.
struct StoreOpener: Sendable {
    let open: @Sendable () throws -> any CoordinatorStorage
}

/// A store of one engine, held only by its protocols, with helpers that act
/// as a worker would.
struct StoreConformanceHarness {
    let engine: StoreEngine
    private let opener: StoreOpener
    private(set) var store: any CoordinatorStorage

    /// A fresh store of `engine`.
    init(_ engine: StoreEngine) throws {
        self.engine = engine
        opener = try engine.provision()
        store = try opener.open()
    }

    /// Opens the same durable state again, as a restarted coordinator would.
    mutating func reopen() throws {
        store = try opener.open()
    }

    func importMath500() async throws -> DatasetSummary {
        try await StoreFixtures.importMath500(into: store)
    }

    /// A fresh store with the fixture dataset and one run of `configuration`.
    static func withRun(_ engine: StoreEngine, _ configuration: RunConfiguration, now: Date = Date()) async throws
        -> (harness: StoreConformanceHarness, run: RunSummary)
    {
        let harness = try StoreConformanceHarness(engine)
        _ = try await harness.importMath500()
        return (harness, try await harness.store.createRun(configuration, now: now))
    }

    /// Up to `capacity` leases for `worker`.
    func grant(worker: String = "w1", capacity: Int = 64, now: Date = Date()) async throws -> [Lease] {
        try await store.grantLeases(LeaseRequest(workerName: worker, model: "test-model", capacity: capacity), now: now)
    }

    /// The one next lease for `worker`; fails the test when there is none.
    func firstLease(worker: String = "w1", now: Date = Date()) async throws -> Lease {
        try #require(try await grant(worker: worker, capacity: 1, now: now).first)
    }

    /// Leases and completes work until none is left; returns how many leases it took.
    @discardableResult
    func drain(worker: String = "w1", now: Date = Date()) async throws -> Int {
        try await StoreFixtures.drain(store, worker: worker, now: now)
    }
}
