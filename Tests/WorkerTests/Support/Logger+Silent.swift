import Logging

extension Logger {
    /// A logger that drops everything, to keep test output readable.
    static let silent = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
}
