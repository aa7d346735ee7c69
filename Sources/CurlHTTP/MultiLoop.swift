internal import CCurl

/// The event loop of the client's dedicated thread. It alone drives the multi
/// handle: it attaches queued requests, detaches cancelled ones, runs
/// `curl_multi_perform`, resumes the callers of finished transfers and sleeps
/// in `curl_multi_poll` until a socket is ready, a libcurl timer fires or
/// `curl_multi_wakeup` is called. Created and used on that thread only.
final class MultiLoop {
    private let multi: UnsafeMutableRawPointer
    private let queue: TransferQueue
    private let userAgent: String
    private let caFile: String?
    private var pool: EasyHandlePool
    private var active: [UnsafeMutableRawPointer: ActiveTransfer] = [:]

    /// Longest sleep in `curl_multi_poll`; libcurl shortens it to its own next
    /// timeout, `pollTimeout` to the nearest deadline, and new work interrupts
    /// it through `curl_multi_wakeup`.
    private static let pollTimeoutMilliseconds: Int32 = 1000

    init(multi: CurlMultiHandle, queue: TransferQueue, userAgent: String, caFile: String?, pooledHandles: Int) {
        self.multi = multi.raw
        self.queue = queue
        self.userAgent = userAgent
        self.caFile = caFile
        self.pool = EasyHandlePool(capacity: pooledHandles)
    }

    /// Runs until the client shuts down, then frees every libcurl resource.
    func run() {
        while true {
            let work = queue.takeWork()
            if work.isShutDown { break }
            for id in work.cancelledIDs { cancel(id: id) }
            for pending in work.newTransfers { start(pending) }

            var running: Int32 = 0
            let performed = curl_multi_perform(multi, &running)
            if performed != CURLM_OK { failAll(multiCode: performed) }
            resumeFinished()
            let now = ContinuousClock.now
            failOverdue(now: now)

            var readyDescriptors: Int32 = 0
            let polled = curl_multi_poll(multi, nil, 0, pollTimeout(now: now), &readyDescriptors)
            if polled != CURLM_OK { failAll(multiCode: polled) }
        }
        for transfer in Array(active.values) {
            detach(transfer)
            transfer.fail(with: HTTPClientError.shutDown(url: transfer.request.url))
        }
        pool.closeAll()
        curl_multi_cleanup(multi)
    }

    private func start(_ pending: PendingTransfer) {
        guard let easy = pool.take() else {
            pending.continuation.resume(throwing: HTTPClientError.transport(
                url: pending.request.url, code: Int(CURLE_OUT_OF_MEMORY.rawValue),
                message: "curl_easy_init failed"))
            return
        }
        let transfer = ActiveTransfer(pending, easy: easy)
        do {
            try transfer.configure(userAgent: userAgent, caFile: caFile)
        } catch {
            pool.giveBack(easy)
            transfer.fail(with: error)
            return
        }
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            pool.giveBack(easy)
            transfer.fail(with: HTTPClientError.transport(
                url: pending.request.url, code: Int(added.rawValue),
                message: "curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))"))
            return
        }
        active[easy] = transfer
    }

    private func cancel(id: UInt64) {
        // Absent when the transfer finished before the cancellation arrived.
        guard let transfer = active.values.first(where: { $0.id == id }) else { return }
        detach(transfer)
        transfer.fail(with: CancellationError())
    }

    /// Resumes the callers of every transfer libcurl reports as done.
    private func resumeFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            // Read before detaching: detaching frees the message.
            let code = message.pointee.data.result
            guard let transfer = active[easy] else { continue }
            // The response code is read from the handle, so complete first.
            transfer.complete(with: code)
            detach(transfer)
        }
    }

    /// Fails transfers whose deadline passed. libcurl enforces CURLOPT_TIMEOUT_MS
    /// only once a transfer has a connection, not while it waits for one
    /// under CURLMOPT_MAX_HOST_CONNECTIONS, so the loop keeps the promise.
    private func failOverdue(now: ContinuousClock.Instant) {
        for transfer in Array(active.values) where transfer.deadline <= now {
            detach(transfer)
            transfer.fail(with: HTTPClientError.timedOut(
                url: transfer.request.url, message: "no complete response within \(transfer.request.timeout)"))
        }
    }

    /// Sleeps no longer than the nearest deadline (libcurl shortens it further
    /// for its own timers).
    private func pollTimeout(now: ContinuousClock.Instant) -> Int32 {
        guard let nearest = active.values.map(\.deadline).min() else { return Self.pollTimeoutMilliseconds }
        return Int32(min(Int(Self.pollTimeoutMilliseconds), (nearest - now).millisecondsRoundedUp))
    }

    /// A failure of the multi handle itself takes every transfer with it.
    private func failAll(multiCode: CURLMcode) {
        let message = String(cString: curl_multi_strerror(multiCode))
        for transfer in Array(active.values) {
            detach(transfer)
            transfer.fail(with: HTTPClientError.transport(
                url: transfer.request.url, code: Int(multiCode.rawValue), message: "libcurl multi interface: \(message)"))
        }
    }

    /// Takes the transfer's easy handle off the multi handle and back to the
    /// pool. The connection stays in the multi handle's cache for reuse.
    private func detach(_ transfer: ActiveTransfer) {
        curl_multi_remove_handle(multi, transfer.easy)
        active[transfer.easy] = nil
        pool.giveBack(transfer.easy)
    }
}
