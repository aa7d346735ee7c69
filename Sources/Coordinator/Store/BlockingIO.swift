import Dispatch

/// Runs blocking file I/O on a dispatch queue, so that it never holds one of
/// the few threads of Swift's cooperative pool (which serve every request).
enum BlockingIO {
    private static let queue = DispatchQueue(label: "gvm.blocking-io", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
