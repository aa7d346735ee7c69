internal import CCurl

/// `curl_global_init` is not thread-safe and must run once per process before
/// any other libcurl call. A static `let` is initialised exactly once, under
/// the runtime's own lock, which gives both guarantees.
enum CurlGlobalInit {
    /// nil when libcurl initialised; otherwise its error text.
    private static let failure: String? = {
        let code = gvm_curl_global_init_default()
        return code == CURLE_OK ? nil : String(cString: curl_easy_strerror(code))
    }()

    static func ensure() throws(HTTPClientError) {
        if let failure { throw .initializationFailed(message: "curl_global_init: \(failure)") }
    }
}
