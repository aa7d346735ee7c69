import Foundation
import Testing
@testable import Policy
import TestSupport

/// The built-in model's compute thread: its own thread, one job at a time,
/// and callers that do not wait for work they gave up.
@Suite struct ComputeThreadTests {
    /// Every job runs on one thread that none of the calling tasks ran on.
    @Test func jobsRunOnOneDedicatedThreadInOrder() async throws {
        let thread = ComputeThread()
        defer { thread.shutdown() }
        let order = Locked<[Int]>([])
        let callers = Locked<Set<pthread_t>>([])
        var workers = Set<pthread_t>()
        try await withThrowingTaskGroup(of: pthread_t.self) { group in
            for i in 0..<8 {
                group.addTask {
                    callers.withLock { _ = $0.insert(pthread_self()) }
                    let worker = try await thread.run {
                        order.withLock { $0.append(i) }
                        return pthread_self()
                    }
                    callers.withLock { _ = $0.insert(pthread_self()) }
                    return worker
                }
                // Queue them in order.
                try await Task.sleep(for: .milliseconds(5))
            }
            for try await worker in group { workers.insert(worker) }
        }
        #expect(workers.count == 1)
        #expect(callers.withLock { $0.isDisjoint(with: workers) })
        #expect(order.withLock { $0 } == Array(0..<8))
    }

    @Test func errorsReachTheCaller() async {
        let thread = ComputeThread()
        defer { thread.shutdown() }
        struct Failure: Error, Equatable {}
        await #expect(throws: Failure()) {
            try await thread.run { () throws -> Int in throw Failure() }
        }
    }

    /// A caller cancelled while a long job runs returns at once, and its
    /// queued job never runs.
    @Test func cancelledCallerDoesNotWait() async throws {
        let thread = ComputeThread()
        defer { thread.shutdown() }
        let release = DispatchSemaphore(value: 0)
        let ran = Locked(false)
        let blocker = Task { try await thread.run { release.wait() } }
        try await Task.sleep(for: .milliseconds(50))
        let queued = Task { try await thread.run { ran.withLock { $0 = true } } }
        try await Task.sleep(for: .milliseconds(50))
        queued.cancel()
        await #expect(throws: CancellationError.self) { try await queued.value }
        blocker.cancel()
        await #expect(throws: CancellationError.self) { try await blocker.value }
        release.signal()
        // The thread goes on with later work; the cancelled job was skipped.
        #expect(try await thread.run { 42 } == 42)
        #expect(ran.withLock { $0 } == false)
    }

    @Test func shutdownFailsLaterCalls() async {
        let thread = ComputeThread()
        thread.shutdown()
        await #expect(throws: ComputeThreadError.shutDown) { try await thread.run { 1 } }
    }
}
