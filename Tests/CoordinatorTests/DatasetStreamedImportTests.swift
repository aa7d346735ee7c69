import Foundation
import GRDB
import NIOCore
import Shared
import Testing
import TestSupport
@testable import Coordinator

/// The streamed import against a real SQLite store: spooling, batches into
/// a hidden row, the final flip, failures and crashes.
@Suite("Streamed dataset import")
struct DatasetStreamedImportTests {
    /// Chunks handed out one by one, counting how many were asked for.
    struct CountingBody: AsyncSequence {
        typealias Element = ByteBuffer
        let chunks: [[UInt8]]
        let pulled: Locked<Int>

        struct AsyncIterator: AsyncIteratorProtocol {
            let chunks: [[UInt8]]
            let pulled: Locked<Int>
            var index = 0
            mutating func next() async throws -> ByteBuffer? {
                guard index < chunks.count else { return nil }
                defer { index += 1 }
                pulled.withLock { $0 += 1 }
                return ByteBuffer(bytes: chunks[index])
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(chunks: chunks, pulled: pulled) }

        init(_ bytes: Data, chunkSize: Int) {
            let array = Array(bytes)
            chunks = stride(from: 0, to: array.count, by: chunkSize).map { Array(array[$0..<Swift.min($0 + chunkSize, array.count)]) }
            pulled = Locked(0)
        }
    }

    struct Imported {
        var harness: StoreHarness
        var names = DatasetNameGate()
        var spoolDirectory: URL

        init() throws {
            harness = try StoreHarness()
            spoolDirectory = harness.directory.appendingPathComponent("spool")
            try FileManager.default.createDirectory(at: spoolDirectory, withIntermediateDirectories: true)
        }

        var importer: DatasetImporter {
            DatasetImporter(store: harness.store, names: names, batcher: DatasetBatcher(maxPrompts: 3))
        }

        func spool(_ jsonl: Data, limit: Int = 1 << 20, chunkSize: Int = 100) async throws -> SpooledDatasetBody {
            try await DatasetBodySpool.spool(
                CountingBody(jsonl, chunkSize: chunkSize), declaredLength: nil, limit: limit, directory: spoolDirectory)
        }

        func importJSONL(_ jsonl: Data, name: String = "math500", options: DatasetImportOptions = .init()) async throws -> DatasetSummary {
            let body = try await spool(jsonl)
            defer { try? FileManager.default.removeItem(at: body.url) }
            return try await importer.importBody(body, name: name, options: options)
        }

        func promptRows() async throws -> [String] {
            try await Self.promptRows(of: harness.store)
        }

        static func promptRows(of store: SQLiteStore) async throws -> [String] {
            try await store.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT datasetId, position, problem, answer, level FROM prompt ORDER BY datasetId, position")
                    .map { row -> String in
                        let level = (row["level"] as Int?).map(String.init) ?? "-"
                        return "\(row["datasetId"] as Int64) \(row["position"] as Int) \(row["problem"] as String) \(row["answer"] as String) \(level)"
                    }
            }
        }

        func datasetRowCount() async throws -> Int {
            try await harness.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM dataset") ?? 0 }
        }
    }

    static let math500 = { try! Fixtures.data("math500-20.jsonl") }()

    @Test("a streamed import stores what the in-memory import stores: prompts, levels, hash; again is a no-op, other content 409")
    func sameAsInMemory() async throws {
        let streamed = try Imported()
        let inMemory = try StoreHarness()
        let expected = try await inMemory.importMath500()
        let first = try await streamed.importJSONL(Self.math500)
        #expect(first.created && first.promptCount == 20 && first.contentHash == expected.contentHash)
        #expect(first.contentHash == (try DatasetParser.parse(name: "x", jsonl: Self.math500, options: .init())).contentHash)
        let inMemoryRows = try await Imported.promptRows(of: inMemory.store)
        #expect(try await streamed.promptRows() == inMemoryRows && inMemoryRows.count == 20)
        #expect(try await streamed.harness.store.datasets().map(\.name) == ["math500"])

        let again = try await streamed.importJSONL(Self.math500)
        #expect(!again.created && again.promptCount == 20)
        // SQLite keeps dates to the millisecond.
        #expect(abs(again.importedAt.timeIntervalSince(first.importedAt)) < 0.001)
        await #expect(throws: RequestRefusal.conflict(
            "dataset \"math500\" already exists with different content; import it under another name")) {
            _ = try await streamed.importJSONL(Data(#"{"problem":"x","answer":"1"}"#.utf8))
        }
        #expect(try await streamed.datasetRowCount() == 1)
        #expect(try await streamed.promptRows().count == 20)
        // A run can use it.
        _ = try await streamed.harness.store.createRun(StoreFixtures.configuration(), now: Date())
    }

    @Test("a bad line after several stored batches names its line and leaves nothing behind")
    func badLineLeavesNothing() async throws {
        let imported = try Imported()
        var text = String(decoding: Self.math500, as: UTF8.self)
        text += "{\"problem\":\"late\"}\n"
        do {
            _ = try await imported.importJSONL(Data(text.utf8))
            Issue.record("the import should have failed")
        } catch let error as RequestRefusal {
            #expect(error.field == "line 21" && error.kind == .invalid)
        }
        #expect(try await imported.harness.store.datasets().isEmpty)
        #expect(try await imported.datasetRowCount() == 0)
        #expect(try await imported.promptRows().isEmpty)
        #expect(try await imported.harness.store.unfinishedDatasetImports().isEmpty)
    }

    @Test("a body over the limit is refused with 413 as soon as the limit is crossed, and leaves no file")
    func overLimit() async throws {
        let imported = try Imported()
        let body = CountingBody(Self.math500, chunkSize: 1000)
        #expect(body.chunks.count > 5)
        do {
            _ = try await DatasetBodySpool.spool(body, declaredLength: nil, limit: 2500, directory: imported.spoolDirectory)
            Issue.record("the body should have been refused")
        } catch let error as RequestRefusal {
            #expect(error.kind == .tooLarge && error.field == "body")
        }
        // The third chunk crossed 2500 bytes; no chunk after it was read.
        #expect(body.pulled.withLock { $0 } == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: imported.spoolDirectory.path).isEmpty)

        let declared = CountingBody(Self.math500, chunkSize: 1000)
        await #expect(throws: RequestRefusal.self) {
            _ = try await DatasetBodySpool.spool(declared, declaredLength: 2501, limit: 2500, directory: imported.spoolDirectory)
        }
        #expect(declared.pulled.withLock { $0 } == 0)
        #expect(try await imported.harness.store.datasets().isEmpty)
    }

    @Test("the spooled file holds the body's bytes, and its hash is the whole body's")
    func spoolKeepsBytes() async throws {
        let imported = try Imported()
        let body = try await imported.spool(Self.math500, chunkSize: 7)
        #expect(try Data(contentsOf: body.url) == Self.math500 && body.byteCount == Self.math500.count)
        #expect(body.contentHash == (try DatasetParser.parse(name: "m", jsonl: Self.math500, options: .init())).contentHash)
    }

    @Test("an import cut short by a crash stays hidden after a restart, and a retry succeeds and cleans it up")
    func crashMidImport() async throws {
        var imported = try Imported()
        let store = imported.harness.store
        let hash = try await imported.spool(Self.math500).contentHash
        guard case .started(let importId) = try await store.beginDatasetImport(
            name: "math500", contentHash: hash, options: .init(), now: Date())
        else { Issue.record("the import should have started"); return }
        let parsed = try DatasetParser.parse(name: "math500", jsonl: Self.math500, options: .init())
        try await store.appendDatasetPrompts(.init(firstPosition: 0, prompts: Array(parsed.prompts.prefix(5))), importId: importId)

        try imported.harness.reopen()
        let restarted = imported.harness.store
        #expect(try await restarted.datasets().isEmpty)
        await #expect(throws: RequestRefusal.self) {
            _ = try await restarted.createRun(StoreFixtures.configuration(), now: Date())
        }
        #expect(try await restarted.unfinishedDatasetImports() == [UnfinishedDatasetImport(importId: importId, name: "math500")])

        let retried = try await imported.importJSONL(Self.math500)
        #expect(retried.created && retried.promptCount == 20)
        #expect(try await restarted.unfinishedDatasetImports().isEmpty)
        #expect(try await imported.datasetRowCount() == 1)
        #expect(try await imported.promptRows().count == 20)
        #expect(try await restarted.datasets().map(\.promptCount) == [20])
        // The dead import's id takes no further batch.
        await #expect(throws: RequestRefusal.self) {
            try await restarted.appendDatasetPrompts(.init(firstPosition: 5, prompts: parsed.prompts), importId: importId)
        }
    }

    @Test("a leftover of another name is cleaned up by any import, an import in progress is not")
    func leftoversOfOtherNames() async throws {
        let imported = try Imported()
        let store = imported.harness.store
        guard case .started = try await store.beginDatasetImport(
            name: "crashed", contentHash: "sha256:0", options: .init(), now: Date())
        else { Issue.record("the import should have started"); return }
        _ = try await imported.importJSONL(Self.math500, name: "other")
        #expect(try await store.unfinishedDatasetImports().isEmpty)
        #expect(try await store.datasets().map(\.name) == ["other"])

        // An import that holds its name in the gate keeps its row.
        let hash = try await imported.spool(Self.math500).contentHash
        try await imported.names.withName("busy") {
            guard case .started = try await store.beginDatasetImport(name: "busy", contentHash: hash, options: .init(), now: Date())
            else { Issue.record("the import should have started"); return }
            _ = try await imported.importJSONL(Self.math500, name: "third")
            #expect(try await store.unfinishedDatasetImports().map(\.name) == ["busy"])
        }
    }

    @Test("two imports of one name at once never mix: one is created, the other a no-op or 409")
    func concurrentSameName() async throws {
        let imported = try Imported()
        let other = Data((0..<10).map { #"{"problem":"other-set-q\#($0)","answer":"\#($0)"}"# }.joined(separator: "\n").utf8)
        let outcomes = await withTaskGroup(of: String.self) { group in
            for body in [Self.math500, other, Self.math500] {
                group.addTask {
                    do {
                        let summary = try await imported.importJSONL(body)
                        return summary.created ? "created \(summary.promptCount)" : "same \(summary.promptCount)"
                    } catch let error as RequestRefusal {
                        return error.kind == .conflict ? "conflict" : "error \(error)"
                    } catch {
                        return "error \(error)"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }.sorted()
        }
        let datasets = try await imported.harness.store.datasets()
        #expect(datasets.count == 1)
        let rows = try await imported.promptRows()
        #expect(rows.count == datasets[0].promptCount)
        if datasets[0].promptCount == 20 {
            #expect(outcomes == ["conflict", "created 20", "same 20"])
            #expect(rows.allSatisfy { !$0.contains("other-set-q") })
        } else {
            #expect(outcomes == ["conflict", "conflict", "created 10"])
        }
        #expect(try await imported.harness.store.unfinishedDatasetImports().isEmpty)
    }

    @Test("without the gate (two coordinators on one file), the second import to finish loses the name and is discarded")
    func racingImportsWithoutGate() async throws {
        let imported = try Imported()
        let store = imported.harness.store
        let parsed = try DatasetParser.parse(name: "math500", jsonl: Self.math500, options: .init())
        var ids: [Int64] = []
        for hash in [parsed.contentHash, parsed.contentHash, "sha256:other"] {
            guard case .started(let id) = try await store.beginDatasetImport(name: "math500", contentHash: hash, options: .init(), now: Date())
            else { Issue.record("each import should start while none is ready"); return }
            try await store.appendDatasetPrompts(.init(firstPosition: 0, prompts: parsed.prompts), importId: id)
            ids.append(id)
        }
        let winner = try await store.finishDatasetImport(importId: ids[0], promptCount: 20, now: Date())
        let same = try await store.finishDatasetImport(importId: ids[1], promptCount: 20, now: Date())
        #expect(winner.created && !same.created)
        #expect(abs(same.importedAt.timeIntervalSince(winner.importedAt)) < 0.001)
        await #expect(throws: RequestRefusal.self) {
            _ = try await store.finishDatasetImport(importId: ids[2], promptCount: 20, now: Date())
        }
        for id in ids.dropFirst() { try await store.discardDatasetImport(importId: id) }
        #expect(try await store.datasets().map(\.promptCount) == [20])
        #expect(try await imported.promptRows().count == 20)
        #expect(try await store.unfinishedDatasetImports().isEmpty)
    }

    @Test("a finish that counts more prompts than were stored is refused")
    func finishChecksCount() async throws {
        let imported = try Imported()
        let store = imported.harness.store
        guard case .started(let id) = try await store.beginDatasetImport(name: "short", contentHash: "sha256:1", options: .init(), now: Date())
        else { Issue.record("the import should have started"); return }
        try await store.appendDatasetPrompts(.init(firstPosition: 0, prompts: [.init(problem: "p", answer: "1")]), importId: id)
        await #expect(throws: RequestRefusal.self) {
            _ = try await store.finishDatasetImport(importId: id, promptCount: 2, now: Date())
        }
        #expect(try await store.datasets().isEmpty)
    }
}
