/// The change feed of one coordinator process: its writer is the only one
/// that writes the file, so its own commits are every change there is.
extension SQLiteStore {
    func changeMark(runId: Int) async throws -> RunChangeMark {
        changes.mark(runId: runId)
    }

    func waitForChange(runId: Int, after mark: RunChangeMark, until deadline: ContinuousClock.Instant) async throws -> RunChangeMark {
        await changes.wait(runId: runId, after: mark, until: deadline)
    }
}
