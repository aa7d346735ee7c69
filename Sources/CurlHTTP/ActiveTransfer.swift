internal import CCurl
import Foundation

/// One request attached to the multi handle: its easy handle, the memory
/// libcurl reads from and writes to, and the continuation to resume.
/// Confined to the loop thread; libcurl's callbacks reach it through an
/// unretained pointer, kept valid because the loop holds the object until the
/// easy handle has left the multi handle.
final class ActiveTransfer {
    let id: UInt64
    let request: HTTPRequest
    let easy: UnsafeMutableRawPointer
    /// When the caller's `timeout` runs out, counted from `send`.
    let deadline: ContinuousClock.Instant
    private let continuation: CheckedContinuation<HTTPResponse, any Error>

    private var responseBody = Data()
    private var responseHeaders = ResponseHeaderParser()
    /// libcurl writes its detailed error text here (CURLOPT_ERRORBUFFER).
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// CURLOPT_POSTFIELDS does not copy, so the body lives here until the end.
    private var uploadBuffer: UnsafeMutableRawBufferPointer?
    /// CURLOPT_HTTPHEADER does not copy the list either.
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init(_ pending: PendingTransfer, easy: UnsafeMutableRawPointer) {
        id = pending.id
        request = pending.request
        deadline = pending.deadline
        continuation = pending.continuation
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        errorBuffer.deallocate()
        uploadBuffer?.deallocate()
        if let headerList { curl_slist_free_all(headerList) }
    }

    /// Sets every option the request needs on the (freshly reset) easy handle.
    func configure(userAgent: String, caFile: String?) throws(HTTPClientError) {
        let url = request.url
        func set(_ code: CURLcode, _ what: String) throws(HTTPClientError) {
            guard code == CURLE_OK else {
                throw .invalidRequest(url: url, reason: "\(what): \(String(cString: curl_easy_strerror(code)))")
            }
        }
        let context = Unmanaged.passUnretained(self).toOpaque()

        try set(gvm_curl_easy_setopt_string(easy, CURLOPT_URL, url), "URL")
        // Signals are process-wide and this is not the main thread.
        try set(gvm_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        try set(gvm_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        // At least 1 ms: libcurl reads 0 as "no limit". libcurl does not count
        // time spent queued for a free connection; MultiLoop's deadline does.
        let timeout = max(1, request.timeout.millisecondsRoundedUp)
        let connectTimeout = max(1, request.connectTimeout.millisecondsRoundedUp)
        try set(gvm_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeout), "TIMEOUT_MS")
        try set(gvm_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, connectTimeout), "CONNECTTIMEOUT_MS")
        // Idle pooled connections to a server that went away get noticed.
        try set(gvm_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        try set(gvm_curl_easy_setopt_string(easy, CURLOPT_USERAGENT, userAgent), "USERAGENT")
        // Verification of https peers (chain and name) is libcurl's default
        // and stays on; only the trusted roots can change.
        if let caFile { try set(gvm_curl_easy_setopt_string(easy, CURLOPT_CAINFO, caFile), "CAINFO") }
        try set(gvm_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION, receiveBody), "WRITEFUNCTION")
        try set(gvm_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context), "WRITEDATA")
        try set(gvm_curl_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION, receiveHeader), "HEADERFUNCTION")
        try set(gvm_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context), "HEADERDATA")
        try configureMethodAndBody(set)
        try configureHeaders(set)
    }

    private func configureMethodAndBody(
        _ set: (CURLcode, String) throws(HTTPClientError) -> Void
    ) throws(HTTPClientError) {
        let method = request.method
        let body = request.body ?? (method == "POST" ? Data() : nil)
        if let body {
            // At least one byte so the pointer is never null, which libcurl
            // would read as "take the body from the read callback".
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 1)
            body.copyBytes(to: buffer.bindMemory(to: UInt8.self), count: body.count)
            uploadBuffer = buffer
            try set(gvm_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE_LARGE")
            try set(gvm_curl_easy_setopt_pointer(easy, CURLOPT_POSTFIELDS, buffer.baseAddress), "POSTFIELDS")
            if method != "POST" {
                try set(gvm_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "CUSTOMREQUEST")
            }
        } else if method == "HEAD" {
            // A custom "HEAD" would make libcurl wait for a body that never comes.
            try set(gvm_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1), "NOBODY")
        } else if method != "GET" {
            try set(gvm_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "CUSTOMREQUEST")
        }
    }

    private func configureHeaders(
        _ set: (CURLcode, String) throws(HTTPClientError) -> Void
    ) throws(HTTPClientError) {
        var lines: [String] = []
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            guard !name.isEmpty, !name.contains(where: \.isNewline), !name.contains(":"),
                  !value.contains(where: \.isNewline)
            else {
                throw .invalidRequest(url: request.url, reason: "malformed header \(name.debugDescription)")
            }
            // libcurl reads "Name:" as "remove this header"; "Name;" sends it empty.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        let names = Set(request.headers.keys.map { $0.lowercased() })
        // libcurl would wait up to a second for "100 Continue" before sending
        // a large body; the servers gvm talks to never need that round trip.
        if !names.contains("expect") { lines.append("Expect:") }
        // Drop libcurl's form-encoded default: a body is not a form unless the
        // caller says so, and a POST without one (sent as an empty body) has
        // no media type at all; servers may refuse a form type they never take.
        if request.body != nil || request.method == "POST", !names.contains("content-type") {
            lines.append("Content-Type:")
        }

        for line in lines {
            guard let extended = curl_slist_append(headerList, line) else {
                throw .invalidRequest(url: request.url, reason: "out of memory building the header list")
            }
            headerList = extended
        }
        try set(gvm_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "HTTPHEADER")
    }

    fileprivate func appendBody(_ bytes: UnsafeRawBufferPointer) {
        if let receiveBody = request.receiveBody {
            // The status line is in by the time body bytes arrive.
            var status = 0
            _ = gvm_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            if (200..<300).contains(status) {
                receiveBody(Data(bytes))
                return
            }
        }
        responseBody.append(contentsOf: bytes)
    }

    fileprivate func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        responseHeaders.consume(line: String(decoding: bytes, as: UTF8.self))
    }

    /// Resumes the caller with the outcome libcurl reported for this transfer.
    func complete(with code: CURLcode) {
        guard code == CURLE_OK else {
            fail(with: error(for: code))
            return
        }
        var status = 0
        _ = gvm_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        continuation.resume(returning: HTTPResponse(status: status, headers: responseHeaders.headers, body: responseBody))
    }

    func fail(with error: any Error) {
        continuation.resume(throwing: error)
    }

    private func error(for code: CURLcode) -> HTTPClientError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        if code == CURLE_OPERATION_TIMEDOUT {
            return .timedOut(url: request.url, message: message)
        }
        return .transport(url: request.url, code: Int(code.rawValue), message: message)
    }
}

/// CURLOPT_WRITEFUNCTION: a chunk of the response body.
private func receiveBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let context, let data else { return length }
    let transfer = Unmanaged<ActiveTransfer>.fromOpaque(context).takeUnretainedValue()
    transfer.appendBody(UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// CURLOPT_HEADERFUNCTION: one complete header line, status lines included.
private func receiveHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let context, let data else { return length }
    let transfer = Unmanaged<ActiveTransfer>.fromOpaque(context).takeUnretainedValue()
    transfer.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: length))
    return length
}
