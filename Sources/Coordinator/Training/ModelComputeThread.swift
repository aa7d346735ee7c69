import Foundation

/// One dedicated thread for the built-in model's compute. Training steps and
/// evaluations take from milliseconds to seconds of CPU each; run on Swift's
/// cooperative pool they would hold one of its few threads (on a 2-core
/// machine, half of them) away from every HTTP request meanwhile. Jobs run
/// one at a time, in the order they were given, which is also what the
/// model (not thread-safe) needs.
final class ModelComputeThread: Sendable {
    private let queue = JobQueue()

    init(name: String = "gvm.model-compute") {
        let queue = self.queue
        let thread = Thread { queue.runJobs() }
        thread.name = name
        thread.start()
    }

    deinit {
        queue.stop()
    }

    /// Runs `body` on the thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.add { continuation.resume(with: Result { try body() }) }
        }
    }

    /// The jobs waiting for the thread. The thread holds only this, so the
    /// thread ends once its owner is gone.
    private final class JobQueue: @unchecked Sendable {
        // Unchecked: `jobs` and `stopping` are only touched with `condition` held.
        private let condition = NSCondition()
        private var jobs: [@Sendable () -> Void] = []
        private var stopping = false

        func add(_ job: @escaping @Sendable () -> Void) {
            condition.lock()
            jobs.append(job)
            condition.signal()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopping = true
            condition.signal()
            condition.unlock()
        }

        func runJobs() {
            while true {
                condition.lock()
                while jobs.isEmpty && !stopping { condition.wait() }
                if jobs.isEmpty {
                    condition.unlock()
                    return
                }
                let job = jobs.removeFirst()
                condition.unlock()
                job()
            }
        }
    }
}
