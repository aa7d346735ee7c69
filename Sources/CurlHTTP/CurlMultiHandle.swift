/// The client's one `CURLM*`. It is shared with other threads only so they can
/// call `curl_multi_wakeup`, which libcurl documents as safe from any thread;
/// every other call on it is made by the loop thread that owns it.
struct CurlMultiHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}
