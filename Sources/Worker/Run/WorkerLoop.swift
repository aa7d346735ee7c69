import Foundation
import Logging
import Shared

/// The daemon: lease → generate → verify → estimate gradient norms →
/// submit, with up to `concurrency` leases in flight, each in its own child
/// task, until a shutdown is requested.
struct WorkerLoop: Sendable {
    let coordinator: any LeaseCoordinator
    let processor: LeaseProcessor
    let settings: WorkerLoopSettings
    let logger: Logger
    /// A refused credential from any call stops the loop.
    let refusals = CredentialRefusalLatch()

    /// Runs until `stopping` fires and every lease in flight is submitted or
    /// released. Leases still generating when `graceOver` fires are released.
    /// `graceOver` fires by itself `shutdownGrace` after `stopping`; firing
    /// it earlier (a second signal) cuts the grace period short. A refused
    /// credential (a 401, or a 403 on a lease request) stops everything at
    /// once and is returned.
    @discardableResult
    func run(stopping: OneShotEvent, graceOver: OneShotEvent) async -> CredentialRefusal? {
        await withDiscardingTaskGroup { group in
            group.addTask {
                await refusals.event.wait()
                guard refusals.event.hasFired else { return }
                stopping.fire()
                graceOver.fire()
            }
            group.addTask {
                await stopping.wait()
                guard stopping.hasFired else { return }
                logger.notice("stopping: no new leases; finishing the ones in flight",
                              metadata: ["graceSeconds": "\(settings.shutdownGrace.roundedSeconds)"])
                do {
                    try await Task.sleep(for: settings.shutdownGrace)
                    graceOver.fire()
                } catch {
                    // Everything finished within the grace period.
                }
            }
            await leaseUntilStopped(stopping: stopping, graceOver: graceOver)
            group.cancelAll()
        }
        logger.notice("stopped")
        return refusals.refusal
    }

    private func leaseUntilStopped(stopping: OneShotEvent, graceOver: OneShotEvent) async {
        let slots = LeaseSlots(count: settings.concurrency)
        await withDiscardingTaskGroup { group in
            while !stopping.hasFired, !Task.isCancelled {
                _ = try? await withInterruption(by: stopping) { await slots.waitForFree() }
                let capacity = slots.free * settings.samplesPerSlot
                guard !stopping.hasFired, capacity > 0 else { continue }
                let grant: LeaseGrant
                do {
                    grant = try await requestLeases(capacity: capacity, stopping: stopping)
                } catch {
                    refusals.record(error)
                    break
                }
                if stopping.hasFired {
                    // Granted while the signal arrived: give the work straight back.
                    for lease in grant.leases {
                        group.addTask { await release(lease, LeaseRelease(reason: "worker shutting down", kind: .shutdown), logger: logger(for: lease)) }
                    }
                    break
                }
                guard !grant.leases.isEmpty else {
                    let wait = idleWait(hint: grant.retryAfterSeconds)
                    logger.debug("no work; waiting", metadata: ["waitSeconds": "\(wait.roundedSeconds)"])
                    _ = try? await withInterruption(by: stopping) { try await Task.sleep(for: wait) }
                    continue
                }
                slots.take(grant.leases.count)
                for lease in grant.leases {
                    group.addTask {
                        await work(on: lease, graceOver: graceOver)
                        slots.giveBack()
                    }
                }
            }
        }
    }

    /// The coordinator's hint, kept within [0, 60] s so that a bad value
    /// cannot park the worker; the default when there is none.
    private func idleWait(hint: Double?) -> Duration {
        guard let hint, hint.isFinite else { return settings.idleWait }
        return .seconds(min(max(hint, 0), 60))
    }

    /// Asks until the coordinator answers, backing off while it cannot be
    /// reached. A refusal (a 4xx: a wrong URL, a request it cannot serve) is
    /// logged and retried the same way, since only an operator can fix it;
    /// a refused credential (401, 403) ends the loop instead, since no retry
    /// makes a token valid.
    /// A shutdown ends the waits between attempts, but not a request in
    /// flight: its leases would be lost until they expire.
    private func requestLeases(capacity: Int, stopping: OneShotEvent) async throws -> LeaseGrant {
        let request = LeaseRequest(workerName: settings.workerName, model: settings.model, capacity: capacity)
        return try await settings.backoff.retrying(
            "lease request", logger: logger, stopping: stopping,
            shouldRetry: { !((($0 as? CoordinatorCallError)?.isCredentialRefusal) ?? false) }
        ) {
            try await coordinator.requestLeases(request)
        }
    }

    private func work(on lease: Lease, graceOver: OneShotEvent) async {
        let logger = self.logger(for: lease)
        logger.debug("lease started", metadata: ["promptId": "\(lease.promptId)", "samples": "\(lease.sampleCount)"])
        let started = ContinuousClock.now
        let result: LeaseResult
        do {
            result = try await withInterruption(by: graceOver) {
                try await race({ try await processor.process(lease) },
                               watcher: { try await keepAlive(lease, logger: logger) })
            }
        } catch is Interrupted {
            logger.warning("grace period over with the lease unfinished; releasing it")
            await release(lease, LeaseRelease(reason: "worker shutting down", kind: .shutdown), logger: logger)
            return
        } catch let lost as LeaseLost {
            if !refusals.record(lost.error) {
                logger.warning("lease taken back by the coordinator; dropping it", metadata: ["error": "\(lost.error)"])
            }
            return
        } catch {
            logger.error("lease failed; releasing it", metadata: ["error": "\(error)"])
            await release(
                lease, LeaseRelease(reason: "lease failed: \(error)", kind: ReleaseClassification.kind(for: error)), logger: logger)
            return
        }
        await submit(result, for: lease, graceOver: graceOver, logger: logger)
        logger.debug("lease finished", metadata: ["seconds": "\((ContinuousClock.now - started).roundedSeconds)"])
    }

    private func logger(for lease: Lease) -> Logger {
        var logger = self.logger
        logger[metadataKey: "runId"] = "\(lease.runId)"
        logger[metadataKey: "iteration"] = "\(lease.iteration)"
        logger[metadataKey: "stage"] = "\(lease.stage.rawValue)"
        logger[metadataKey: "leaseId"] = "\(lease.leaseId)"
        return logger
    }

    /// Submits until the coordinator takes the result (resending is safe),
    /// or until the grace period of a shutdown is over.
    private func submit(_ result: LeaseResult, for lease: Lease, graceOver: OneShotEvent, logger: Logger) async {
        do {
            let receipt = try await withInterruption(by: graceOver) {
                try await settings.backoff.retrying("result submission", logger: logger, shouldRetry: Self.isTransient) {
                    try await coordinator.submit(leaseId: lease.leaseId, result: result)
                }
            }
            logger.info("result submitted", metadata: [
                "generated": "\(result.generated)", "accepted": "\(receipt.acceptedSamples)",
                "recorded": "\(receipt.recordedSamples)", "duplicate": "\(receipt.duplicate)",
            ])
        } catch is Interrupted {
            logger.warning("grace period over before the coordinator took the result; it re-issues the lease when it expires")
        } catch CoordinatorCallError.leaseGone(let status, let message) {
            logger.warning("lease re-issued or its run cancelled; result dropped",
                           metadata: ["status": "\(status)", "error": "\(message)"])
        } catch let error as CoordinatorCallError where error.isCredentialRefusal {
            refusals.record(error)
        } catch {
            logger.error("coordinator refused the result; releasing the lease", metadata: ["error": "\(error)"])
            await release(lease, LeaseRelease(reason: "result refused: \(error)", kind: .other), logger: logger)
        }
    }

    /// Heartbeats every third of the lease's remaining lifetime while it is
    /// being worked on; retries sooner, with backoff, when one fails to get
    /// through. Ends only by throwing: `LeaseLost` when the coordinator no
    /// longer holds the lease for this worker, or on cancellation.
    private func keepAlive(_ lease: Lease, logger: Logger) async throws {
        var wait = heartbeatInterval(until: lease.expiresAt)
        var failures = 0
        while true {
            try await Task.sleep(for: wait)
            do {
                let reply = try await coordinator.heartbeat(leaseId: lease.leaseId)
                wait = heartbeatInterval(until: reply.expiresAt)
                failures = 0
            } catch let error as CoordinatorCallError where !error.isRetryable {
                throw LeaseLost(error: error)
            } catch where !(error is CancellationError) {
                wait = settings.backoff.delay(attempt: failures)
                failures += 1
                logger.warning("heartbeat failed; retrying", metadata: [
                    "error": "\(error)", "attempt": "\(failures)", "retryIn": "\(wait.roundedSeconds)s",
                ])
            }
        }
    }

    func heartbeatInterval(until expiresAt: Date) -> Duration {
        let third = Duration.seconds(max(expiresAt.timeIntervalSinceNow, 0) / 3)
        return max(third, settings.minimumHeartbeatInterval)
    }

    /// Gives the lease back so another worker can take it; a few tries only,
    /// since an unreleased lease expires anyway.
    private func release(_ lease: Lease, _ release: LeaseRelease, logger: Logger) async {
        for attempt in 0..<settings.releaseAttempts {
            do {
                try await coordinator.release(leaseId: lease.leaseId, release: release)
                logger.info("lease released", metadata: ["reason": "\(release.reason)", "kind": "\(release.effectiveKind.rawValue)"])
                return
            } catch let error as CoordinatorCallError where !error.isRetryable {
                if !refusals.record(error) {
                    logger.warning("lease release refused; it expires on its own", metadata: ["error": "\(error)"])
                }
                return
            } catch {
                let delay = settings.backoff.delay(attempt: attempt)
                logger.warning("lease release failed", metadata: [
                    "error": "\(error)", "attempt": "\(attempt + 1)", "retryIn": "\(delay.roundedSeconds)s",
                ])
                guard attempt + 1 < settings.releaseAttempts else { break }
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    break
                }
            }
        }
        logger.warning("lease not released; the coordinator re-issues it when it expires")
    }

    @Sendable private static func isTransient(_ error: any Error) -> Bool {
        (error as? CoordinatorCallError)?.isRetryable ?? false
    }
}

/// The coordinator answered a heartbeat with "not yours any more".
struct LeaseLost: Error {
    let error: CoordinatorCallError
}
