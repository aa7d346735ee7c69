import Foundation
import Shared

/// The iteration wait behind `GET /v1/runs/{runId}/iterations/{iteration}/wait`:
/// answers once the iteration is done, the run can no longer reach it, or the
/// deadline passes. It reads the run and the one iteration, then sleeps on
/// the store's change feed until the run changes, so an idle wait costs no
/// reads however long it is held.
struct IterationWait {
    let store: any CoordinatorStore

    struct Answer: Encodable {
        var done: Bool
        var state: RunState
        /// Nil while the iteration has not started.
        var iteration: IterationSummary?
    }

    func answer(runId: Int, iteration: Int, deadline: ContinuousClock.Instant) async throws -> Answer {
        // Marked before the reads: a change committed between a read and the
        // wait ends the wait at once.
        var mark = try await store.changeMark(runId: runId)
        while true {
            let run = try await store.run(id: runId)
            guard iteration <= run.iteration || run.state == .active || run.state == .waiting || run.state == .paused else {
                throw RequestRefusal.conflict("run \(runId) is \(run.state.rawValue) and will not reach iteration \(iteration)")
            }
            var summary: IterationSummary?
            if iteration <= run.iteration {
                summary = try await store.iteration(runId: runId, number: iteration)
                if let summary, summary.stage == .done || run.state == .cancelled {
                    return Answer(done: summary.stage == .done, state: run.state, iteration: summary)
                }
            }
            if ContinuousClock.now >= deadline {
                return Answer(done: false, state: run.state, iteration: summary)
            }
            mark = try await store.waitForChange(runId: runId, after: mark, until: deadline)
            // The feed returns on cancellation; a cancelled request stops here.
            try Task.checkCancellation()
        }
    }
}
