internal import CCurl

/// Idle easy handles kept for reuse by the loop thread, so a request does not
/// pay for `curl_easy_init` and its per-handle caches (DNS, for one). Pooled
/// handles are reset, so no option of an earlier request leaks into the next.
/// Not thread-safe: only the loop thread touches it.
struct EasyHandlePool {
    private var idle: [UnsafeMutableRawPointer] = []
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// A reset handle, or nil when libcurl cannot allocate one.
    mutating func take() -> UnsafeMutableRawPointer? {
        idle.popLast() ?? curl_easy_init()
    }

    /// Takes back a handle that is no longer attached to the multi handle.
    mutating func giveBack(_ easy: UnsafeMutableRawPointer) {
        curl_easy_reset(easy)
        if idle.count < capacity {
            idle.append(easy)
        } else {
            curl_easy_cleanup(easy)
        }
    }

    mutating func closeAll() {
        for easy in idle { curl_easy_cleanup(easy) }
        idle.removeAll()
    }
}
