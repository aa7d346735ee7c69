import Foundation
import Policy
import Shared

/// The built-in model's versions a worker holds, by SHA-256 of their weights
/// file. Downloads each version once however many leases ask for it at the
/// same time, and keeps the `capacity` most recently used ones (a lease
/// that still holds an evicted version keeps it alive until it finishes).
/// A failed download or load is not kept, so the next lease tries again.
actor BuiltinModelCache {
    private struct Entry {
        let id: UInt64
        let load: Task<BuiltinModel, any Error>
    }

    /// The thread every use of the cached models runs on.
    nonisolated let compute: ComputeThread
    nonisolated let capacity: Int
    private let source: BuiltinWeightsSource
    private var entries: [String: Entry] = [:]
    /// Keys from least to most recently asked for.
    private var recency: [String] = []
    private var nextID: UInt64 = 0

    init(source: BuiltinWeightsSource, compute: ComputeThread, capacity: Int = 2) {
        precondition(capacity >= 1, "the cache must hold at least one model")
        self.source = source
        self.compute = compute
        self.capacity = capacity
    }

    /// The model a lease names, downloaded, checked and loaded if it is not
    /// held already.
    func model(for info: BuiltinLeaseInfo) async throws -> BuiltinModel {
        let key = info.weightsSHA256.lowercased()
        let entry: Entry
        if let held = entries[key] {
            entry = held
        } else {
            nextID += 1
            let id = nextID
            let source = self.source, compute = self.compute
            entry = Entry(id: id, load: Task {
                do {
                    let url = source.url(for: info.weightsPath)
                    let bytes = try await source.download(info.weightsPath)
                    return try await compute.run {
                        try BuiltinModel.load(bytes, expectedSHA256: info.weightsSHA256, url: url)
                    }
                } catch {
                    await self.forget(key, id: id)
                    throw error
                }
            })
            entries[key] = entry
        }
        recency.removeAll { $0 == key }
        recency.append(key)
        while recency.count > capacity {
            entries[recency.removeFirst()] = nil
        }
        return try await Self.value(of: entry.load)
    }

    /// Drops a failed load, unless a newer one has taken its key.
    private func forget(_ key: String, id: UInt64) {
        guard entries[key]?.id == id else { return }
        entries[key] = nil
        recency.removeAll { $0 == key }
    }

    /// The SHA-256 of the versions held, least recently used first.
    var heldVersions: [String] { recency }

    /// The task's value, or `CancellationError` as soon as the caller is
    /// cancelled: the load goes on for the other callers and the cache,
    /// but a lease given up at shutdown does not wait for a download.
    private static func value(of load: Task<BuiltinModel, any Error>) async throws -> BuiltinModel {
        let slot = ContinuationSlot<BuiltinModel>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard slot.install(continuation) else { return }
                Task { slot.resume(with: await load.result) }
            }
        } onCancel: {
            slot.resume(with: .failure(CancellationError()))
        }
    }
}
