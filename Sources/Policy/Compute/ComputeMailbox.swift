import Dispatch
import Synchronization

/// The queue between callers and the thread.
final class ComputeMailbox: Sendable {
    private struct State {
        var jobs: [ComputeJob] = []
        var isShutDown = false
    }

    private let state = Mutex(State())
    /// One signal per queued job, plus one for the shutdown.
    private let signals = DispatchSemaphore(value: 0)

    func enqueue(_ job: ComputeJob) {
        let accepted = state.withLock { state in
            guard !state.isShutDown else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted {
            signals.signal()
        } else {
            job.fail(ComputeThreadError.shutDown)
        }
    }

    func shutDown() {
        let dropped: [ComputeJob]? = state.withLock { state in
            guard !state.isShutDown else { return nil }
            state.isShutDown = true
            defer { state.jobs.removeAll() }
            return state.jobs
        }
        guard let dropped else { return }
        signals.signal()
        for job in dropped { job.fail(ComputeThreadError.shutDown) }
    }

    /// The thread's loop: runs jobs until the shutdown.
    func serve() {
        while true {
            signals.wait()
            let next: ComputeJob?? = state.withLock { state in
                if state.isShutDown { return .some(nil) }
                return state.jobs.isEmpty ? nil : state.jobs.removeFirst()
            }
            switch next {
            case .some(nil): return
            case .some(let job?): job.run()
            case nil: continue
            }
        }
    }
}
