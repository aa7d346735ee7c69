import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A small real HTTP/1.1 server on 127.0.0.1, on a port the kernel picks.
/// Keep-alive is honoured, and the server counts the connections it accepts
/// so tests can see whether the client reused them. One thread accepts and
/// one thread serves each connection.
///
/// Routes:
/// - `/echo`: 200 with the request body; the method in `x-method` and every
///   request header `name` as `x-echo-name`.
/// - `/status/NNN`: that status, with body "status NNN".
/// - `/delay/MS`: 200 after MS milliseconds.
/// - `/duplicate-headers`: two `Set-Cookie` headers.
/// - `/never`: reads the request and never answers.
/// - anything else: 404.
final class LoopbackHTTPServer: Sendable {
    struct ServerError: Error, CustomStringConvertible {
        let description: String
    }

    private struct State {
        var acceptedConnections = 0
        var requestsReceived = 0
        var openConnections: Set<Int32> = []
        var isStopped = false
    }

    let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    init() throws {
        (listener, port) = try Self.bindLoopback()
        guard listen(listener, 256) == 0 else {
            let reason = String(cString: strerror(errno))
            close(listener)
            throw ServerError(description: "listen: \(reason)")
        }

        let acceptThread = Thread { [self] in acceptLoop() }
        acceptThread.name = "test-http-accept"
        acceptThread.start()
    }

    /// A loopback port with nothing listening on it (bound, read, released).
    static func unusedPort() throws -> Int {
        let (descriptor, port) = try bindLoopback()
        close(descriptor)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks.
    private static func bindLoopback() throws -> (descriptor: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ServerError(description: "bind: \(reason)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    var acceptedConnections: Int { state.withLock { $0.acceptedConnections } }
    var requestsReceived: Int { state.withLock { $0.requestsReceived } }
    /// Connections the client has not closed yet.
    var openConnectionCount: Int { state.withLock { $0.openConnections.count } }

    /// Waits (without blocking a thread) until `count` requests have arrived.
    func waitForRequests(_ count: Int, within limit: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + limit
        while requestsReceived < count {
            guard ContinuousClock.now < deadline else {
                throw ServerError(description: "only \(requestsReceived) of \(count) requests arrived")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops accepting and drops every open connection.
    func stop() {
        state.withLock { state in
            guard !state.isStopped else { return }
            state.isStopped = true
            // shutdown, not close: the owning threads close their descriptors,
            // so none is reused while another thread still reads it.
            _ = shutdown(listener, Int32(SHUT_RDWR))
            for connection in state.openConnections { _ = shutdown(connection, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                break
            }
            let admitted = state.withLock { state in
                guard !state.isStopped else { return false }
                state.acceptedConnections += 1
                state.openConnections.insert(connection)
                return true
            }
            guard admitted else {
                close(connection)
                break
            }
            let thread = Thread { [self] in serve(connection) }
            thread.name = "test-http-connection"
            thread.start()
        }
        close(listener)
    }

    private func serve(_ connection: Int32) {
        var reader = RequestReader(descriptor: connection)
        while let request = reader.next() {
            state.withLock { $0.requestsReceived += 1 }
            guard let response = respond(to: request) else { continue }
            guard write(response.serialized(omittingBody: request.method == "HEAD"), to: connection) else { break }
            if request.headers["connection"]?.lowercased() == "close" { break }
        }
        state.withLock { _ = $0.openConnections.remove(connection) }
        close(connection)
    }

    /// nil for `/never`: the request stays unanswered.
    private func respond(to request: ReceivedRequest) -> ServerResponse? {
        let path = request.path
        if path == "/echo" {
            var headers = [("x-method", request.method)]
            for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
                headers.append(("x-echo-\(name)", value))
            }
            return ServerResponse(status: 200, headers: headers, body: request.body)
        }
        if path.hasPrefix("/status/"), let status = Int(path.dropFirst("/status/".count)) {
            return ServerResponse(status: status, headers: [], body: Array("status \(status)".utf8))
        }
        if path.hasPrefix("/delay/"), let milliseconds = UInt32(path.dropFirst("/delay/".count)) {
            usleep(milliseconds * 1000)
            return ServerResponse(status: 200, headers: [], body: Array("delayed".utf8))
        }
        if path == "/duplicate-headers" {
            return ServerResponse(status: 200, headers: [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")], body: [])
        }
        if path == "/never" { return nil }
        return ServerResponse(status: 404, headers: [], body: Array("not found".utf8))
    }

    private func write(_ bytes: [UInt8], to connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a client that hung up must not SIGPIPE the test process.
            let sent = bytes.withUnsafeBytes {
                let remaining = UnsafeRawBufferPointer(rebasing: $0[offset...])
                return send(connection, remaining.baseAddress, remaining.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }
}

struct ReceivedRequest {
    var method: String
    var path: String
    /// Lower-case names.
    var headers: [String: String]
    var body: [UInt8]
}

private struct ServerResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func serialized(omittingBody: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + (omittingBody ? [] : body)
    }
}

/// Reads successive requests off one keep-alive connection.
private struct RequestReader {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next request, or nil once the peer closed or sent garbage.
    mutating func next() -> ReceivedRequest? {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while true {
            headEnd = buffer.firstRange(of: terminator)?.lowerBound
            if headEnd != nil { break }
            guard fill() else { return nil }
        }
        guard let headEnd else { return nil }
        let head = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + terminator.count)

        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < length {
            guard fill() else { return nil }
        }
        let body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return ReceivedRequest(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }
}
