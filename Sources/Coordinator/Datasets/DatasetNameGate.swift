/// One import per dataset name at a time in this coordinator: a second
/// import of a name waits for the first, so that two bodies never race for
/// the same name (the second then finds the first's dataset: a no-op or 409).
actor DatasetNameGate {
    private var held: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// The names being imported now.
    var namesHeld: Set<String> { held }

    func withName<T: Sendable>(_ name: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(name)
        do {
            let value = try await body()
            release(name)
            return value
        } catch {
            release(name)
            throw error
        }
    }

    private func acquire(_ name: String) async {
        guard held.contains(name) else {
            held.insert(name)
            return
        }
        // Handed over by `release` without leaving `held`.
        await withCheckedContinuation { waiting[name, default: []].append($0) }
    }

    private func release(_ name: String) {
        guard var queue = waiting[name], !queue.isEmpty else {
            held.remove(name)
            return
        }
        let next = queue.removeFirst()
        waiting[name] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
