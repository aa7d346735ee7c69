internal import CCurl
import Foundation

/// An HTTP/1.1 client on libcurl's multi interface.
///
/// One dedicated thread drives all transfers, so no request ever blocks
/// Swift's cooperative thread pool; callers suspend on a continuation until
/// that thread resumes them. Connections are kept alive and reused across
/// requests. Create one client per process (or per purpose) and share it.
public final class CurlHTTPClient: Sendable {
    private let queue: TransferQueue

    /// - Parameters:
    ///   - maxConnectionsPerHost: simultaneous connections to one host; more
    ///     concurrent requests wait for a free one.
    ///   - userAgent: the `User-Agent` header of every request.
    ///   - caFile: PEM certificates an https server must chain to, instead
    ///     of the system's trust store. Servers are always verified, by
    ///     chain and by name; nil trusts the system's CAs.
    public init(maxConnectionsPerHost: Int = 8, userAgent: String = "gvm", caFile: String? = nil) throws(HTTPClientError) {
        try CurlGlobalInit.ensure()
        guard let raw = curl_multi_init() else {
            throw .initializationFailed(message: "curl_multi_init failed")
        }
        let perHost = max(1, maxConnectionsPerHost)
        _ = gvm_curl_multi_setopt_long(raw, CURLMOPT_MAX_HOST_CONNECTIONS, perHost)
        // The connection cache, across hosts. libcurl's default follows the
        // number of attached handles, which is tiny between sequential
        // requests; a fixed size keeps idle connections around for reuse.
        _ = gvm_curl_multi_setopt_long(raw, CURLMOPT_MAXCONNECTS, max(16, perHost * 4))

        let multi = CurlMultiHandle(raw: raw)
        let queue = TransferQueue(multi: multi)
        self.queue = queue
        let thread = Thread {
            MultiLoop(multi: multi, queue: queue, userAgent: userAgent, caFile: caFile, pooledHandles: perHost * 2).run()
        }
        thread.name = "gvm-curl"
        thread.start()
    }

    deinit {
        queue.shutDown()
    }

    /// Performs `request` and returns the response, whatever its status.
    ///
    /// Throws `HTTPClientError` when no response arrived, and
    /// `CancellationError` when the calling task is cancelled first (the
    /// transfer is aborted at once; a connection it was using is closed).
    /// Redirects are not followed: a 3xx is returned like any other status.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let queue = self.queue
        let id = queue.makeID()
        // Capped so the addition cannot overflow; a year is "no limit" here.
        let deadline = ContinuousClock.now + min(request.timeout, .seconds(365 * 24 * 3600))
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.enqueue(PendingTransfer(id: id, request: request, deadline: deadline, continuation: continuation))
            }
        } onCancel: {
            queue.cancel(id: id)
        }
    }

    /// Stops the client's thread. Requests in flight or queued fail with
    /// `HTTPClientError.shutDown`, and so does every later `send`.
    /// Returns at once; the thread frees libcurl's resources as it exits.
    public func shutdown() {
        queue.shutDown()
    }
}
